// The portal's one stylesheet, served from a route so the CSP allows styles from 'self'
// only: no inline style, no hashes to keep in step.
import type { RequestHandler } from 'express';

const CSS = `
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2327; background: #f6f7f7; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #1d2327; color: #fff; }
header a, header button { color: #fff; }
nav { display: flex; gap: 1rem; align-items: center; }
main { max-width: 64rem; margin: 1.5rem auto; padding: 0 1.5rem; }
form.inline { display: inline; }
button { font: inherit; cursor: pointer; background: none; border: 1px solid currentColor; border-radius: .25rem; padding: .25rem .75rem; }
form.stacked { display: grid; gap: .75rem; max-width: 24rem; }
form.stacked input { font: inherit; padding: .4rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #dcdcde; vertical-align: top; }
.plans { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.plan { background: #fff; padding: 1rem; border: 1px solid #dcdcde; border-radius: .5rem; }
.error { color: #b32d2e; font-weight: 600; }
.ok { color: #007017; }
.note { border-left: 4px solid #b26a00; padding-left: 0.75em; }
.bad { color: #b32d2e; }
pre { background: #fff; border: 1px solid #dcdcde; padding: .75rem; overflow-x: auto; }
code { word-break: break-all; }
`;

/** stylesheetRoute serves the stylesheet, cacheable for an hour. */
export const stylesheetRoute: RequestHandler = (_req, res) => {
  res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(CSS);
};
