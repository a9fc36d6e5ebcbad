/** The chat page's style: one column that fits a 390 px phone as well as a desktop window. */
export const PAGE_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1f2329;height:100vh;height:100dvh;display:flex;flex-direction:column}
header{padding:12px 16px;background:#fff;border-bottom:1px solid #dee0e3;display:flex;justify-content:space-between;align-items:center;gap:12px}
header h1{font-size:16px;margin:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}#status{font-size:12px;color:#8f959e}#status.online{color:#2ea121}
#messages{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:8px}
#welcome{margin:auto;max-width:340px;text-align:center;color:#646a73;font-size:14px}#welcome strong{display:block;color:#1f2329;font-size:16px;margin-bottom:4px}
.msg{max-width:min(75%,680px);padding:8px 12px 4px;border-radius:10px;word-wrap:break-word;overflow-wrap:anywhere}
.msg .text{white-space:pre-wrap}
.msg .meta{font-size:11px;line-height:1.6;color:#8f959e;text-align:right}
.msg.me{align-self:flex-end;background:#3370ff;color:#fff}.msg.me .meta{color:rgba(255,255,255,.75)}.msg.me.pending{opacity:.6}
.msg.me.failed{background:#fff;color:#1f2329;border:1px solid #f54a45}.msg.me.failed .meta{color:#d83931;text-align:left}
.msg.agent{align-self:flex-start;background:#fff;border:1px solid #dee0e3}.msg.agent .text{white-space:normal}
.msg.agent .text>:first-child{margin-top:0}.msg.agent .text>:last-child{margin-bottom:0}
.msg.agent p{margin:0 0 6px}.msg.agent ul,.msg.agent ol{margin:4px 0;padding-left:22px}.msg.agent h1,.msg.agent h2,.msg.agent h3{font-size:1.05em;margin:8px 0 4px}
.msg.agent pre{background:#f2f3f5;padding:8px;overflow-x:auto;border-radius:6px;margin:6px 0}
.msg.agent table{border-collapse:collapse}.msg.agent td,.msg.agent th{border:1px solid #dee0e3;padding:2px 6px}
form{padding:10px 12px 8px;background:#fff;border-top:1px solid #dee0e3}
.row{display:flex;gap:8px}
textarea{flex:1;min-width:0;resize:none;height:44px;padding:10px;border:1px solid #dee0e3;border-radius:8px;font:inherit}
textarea.over{border-color:#f54a45;outline-color:#f54a45}
button{padding:0 18px;border:0;border-radius:8px;background:#3370ff;color:#fff;font:inherit;cursor:pointer}button:disabled{background:#bacefd;cursor:not-allowed}
.under{display:flex;justify-content:space-between;gap:8px;font-size:12px;color:#8f959e;padding:4px 2px 0;min-height:22px}
#count.over{color:#d83931}
.msg.agent.streaming .text>:last-child::after,.msg.agent.streaming .text:empty::after{content:"▍";color:#3370ff;animation:blink 1s steps(1) infinite}@keyframes blink{50%{opacity:0}}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 2px}.actions button.action{padding:6px 12px;font-size:14px;background:#fff;color:#3370ff;border:1px solid #3370ff}
.actions button.primary{background:#3370ff;color:#fff}.actions button.danger{color:#d83931;border-color:#f54a45}.actions button.chosen{outline:2px solid #2ea121}
.msg img.media{display:block;max-width:100%;max-height:320px;border-radius:6px;margin:6px 0}.msg .file{display:block;margin:6px 0}.msg.me .file{color:#fff}
.reactions{font-size:14px;margin-top:2px}.msg.agent.failed{border-color:#f54a45}.msg.agent.failed .meta{color:#d83931;text-align:left}
#typing{padding:0 16px 6px;font-size:12px;color:#8f959e;font-style:italic}#notice{margin:0 12px 6px;padding:6px 10px;border-radius:6px;background:#fff2f0;color:#d83931;font-size:13px}#notice.info{background:#f2f3f5;color:#646a73}
#attach{display:flex;align-items:center;padding:0 10px;color:#646a73;cursor:pointer;border:1px solid #dee0e3;border-radius:8px;background:#fff}#attach:hover{color:#3370ff}.file .clip{vertical-align:-3px;margin-right:4px}
#limit{margin-left:auto}
@media (max-width:480px){.msg{max-width:85%}#keys{display:none}}
`;
