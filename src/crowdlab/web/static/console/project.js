// The project page: pools with their progress (rendered on the server) and archiving.
import { api, pageData } from './api.js';
import { $, flashNext, setText } from './dom.js';
import { initLayout } from './layout.js';

initLayout();
const data = pageData();
const archive = $('#archive-project');
if (archive) {
  archive.addEventListener('click', async () => {
    if (!window.confirm('Archive this project? Its pools must be archived first. An archived project cannot be changed.')) return;
    archive.disabled = true;
    try {
      await api('POST', `/api/v1/projects/${encodeURIComponent(data.project.id)}/archive`);
      flashNext('Project archived.');
      location.reload();
    } catch (err) {
      setText($('#project-error'), err.message);
      archive.disabled = false;
    }
  });
}
