export * from './harness';
export * from './barrier';
export { Collector } from './collector';
export { MARKER_PREFIX, isMarker, newMarker, withoutMarkers } from './marker';
export { loopback } from './loopback-plugin';
