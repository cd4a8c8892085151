/** The status page's style: no external fonts or files, so the page works offline. */
export const PAGE_STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.4; }
body { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 small { font-weight: normal; opacity: .7; font-size: .6em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #8884; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #8881; padding: .5rem; margin: .25rem 0; max-height: 30rem; overflow: auto; }
details.tool { border: 1px solid #8884; border-radius: .4rem; padding: .4rem .75rem; margin: .5rem 0; }
details.tool > summary { cursor: pointer; }
.field { display: grid; gap: .15rem; margin: .5rem 0; }
.field input[type=text], .field input[type=number], .field textarea, .field select { max-width: 40rem; font: inherit; }
.type, .muted, small { opacity: .7; }
.result.error, #problem { color: #c22; }
.state-ready { color: #190; }
.state-restarting, .state-starting { color: #b70; }
.state-failed, .state-stopped { color: #c22; }
#login { border: 1px solid #8884; padding: 1rem; border-radius: .4rem; }
#login input { width: min(30rem, 100%); }
button { font: inherit; margin-top: .4rem; }
img { max-width: 100%; }
`;
