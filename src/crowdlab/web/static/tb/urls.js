// URL policy.  Task input values are hostile: every URL that reaches an attribute passes through
// safeUrl().  Links: http(s) only (relative URLs resolve against the page, so they end up http(s)).
// Media: additionally blob: (local recordings/previews).  Images: additionally data:image/<raster>.

const RASTER_DATA_IMAGE = /^data:image\/(png|jpe?g|gif|webp|bmp|avif)(;[a-z0-9=.+-]*)*,/i;

/**
 * Return an absolute, safe URL string for `kind` ('link' | 'media' | 'image' | 'frame'), or null
 * when the value is not a string or uses a refused scheme (javascript:, data:, vbscript:, file:, …).
 */
export function safeUrl(raw, kind = 'link') {
  if (typeof raw !== 'string') return null;
  // Control characters are stripped by the URL parser; refuse them outright instead.
  if (/[\u0000-\u001f\u007f]/.test(raw.trim())) return null;
  const value = raw.trim();
  if (!value) return null;
  if (kind === 'image' && /^data:/i.test(value)) {
    return RASTER_DATA_IMAGE.test(value) ? value : null;
  }
  let url;
  try {
    url = new URL(value, document.baseURI);
  } catch {
    return null;
  }
  const scheme = url.protocol;
  if (scheme === 'http:' || scheme === 'https:') return url.href;
  if (scheme === 'blob:' && (kind === 'media' || kind === 'image')) return url.href;
  return null;
}

/** Stable key for "was this link opened" bookkeeping. */
export function linkKey(raw) {
  const u = safeUrl(raw, 'link');
  return u === null ? String(raw) : u;
}

/** Hostname without a leading "www.", or null. */
export function hostOf(raw) {
  const u = safeUrl(raw, 'link');
  if (!u) return null;
  return new URL(u).hostname.toLowerCase().replace(/^www\./, '');
}
