// The upload step's report: counts, and the processing log of the lines that failed.
import { h } from './dom.js';

/**
 * Show an upload result in `box`. `report` is the task-files answer (or the `file` payload of a
 * refusal); `refusal` is the refusal's message, null when tasks were created.
 */
export function showUploadReport(box, report, refusal) {
  if (refusal) {
    box.append(h('p', { class: 'notice notice-error', text: refusal, attrs: { role: 'alert', 'data-upload': 'refused' } }));
  } else if (report) {
    const parts = [`Created ${report.created} task(s) from ${report.rows} line(s).`];
    if (report.failed) parts.push(`${report.failed} line(s) were skipped: see the log below.`);
    box.append(h('p', { class: `notice ${report.failed ? 'notice-warning' : 'notice-success'}`, text: parts.join(' '), attrs: { role: 'status', 'data-upload': 'created' } }));
  }
  if (!report) return;
  const failures = [...(report.failures || [])];
  if (report.file_error && !failures.some((f) => f.line === report.file_error.line)) {
    failures.unshift({ line: report.file_error.line || 1, code: report.file_error.code, message: report.file_error.message });
  }
  if (!failures.length) return;
  const rows = failures.map((f) =>
    h('tr', { attrs: { 'data-line': f.line } },
      h('td', { class: 'num', text: f.line_end && f.line_end !== f.line ? `${f.line}–${f.line_end}` : String(f.line) }),
      h('td', {}, h('code', { text: f.code || '' })),
      h('td', { text: f.message || '' }),
    ),
  );
  const shown = report.failed && report.failed > failures.length ? ` (first ${failures.length} of ${report.failed})` : '';
  box.append(
    h('details', { class: 'processing-log', attrs: { open: true } },
      h('summary', { text: `Processing log: ${failures.length} line(s) with errors${shown}` }),
      h('table', { class: 'table table-compact', attrs: { id: 'processing-log' } },
        h('thead', {}, h('tr', {}, h('th', { text: 'Line', attrs: { scope: 'col' } }), h('th', { text: 'Code', attrs: { scope: 'col' } }), h('th', { text: 'Problem', attrs: { scope: 'col' } }))),
        h('tbody', {}, rows),
      ),
    ),
  );
}
