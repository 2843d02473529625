// Checks of a Template Builder config as the requester types it: JSON syntax with line and column,
// the shape of the config, component types the renderer does not know, and data paths that the
// input / output specs do not declare. Pure functions (the editor shows the messages).

/** Line and column (1-based) of a character offset in a text. */
export function lineColumn(text, offset) {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Find the first syntax error of a JSON text: {offset, message}, or null when it parses. A small
 * recursive-descent reader, because browsers' JSON.parse messages do not always say where.
 */
export function jsonError(text) {
  let i = 0;
  const fail = (message) => {
    throw { offset: i, message };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`Unexpected ${describe()}; expected a value`);
  };
  const describe = () => (i >= text.length ? 'end of text' : `character ${JSON.stringify(text[i])}`);
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text[i] < ' ') fail('Unescaped control character (a line break?) inside a string');
      i++;
    }
    if (i >= text.length) fail('A string is not closed: a " is missing');
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail(`Unexpected ${describe()}; expected a value`);
    i += match[0].length;
  };
  const value = (depth) => {
    if (depth > 200) fail('Nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`Unexpected ${describe()}; expected a "quoted" property name${text[i] === '}' ? ' (a trailing comma?)' : ''}`);
        string();
        ws();
        if (text[i] !== ':') fail(`Unexpected ${describe()}; expected ':' after the property name`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`Unexpected ${describe()}; expected ',' or '}'`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        if (text[i] === ']' || text[i] === '}') fail(`Unexpected ${describe()}; expected a value${text[i] === ']' ? ' (a trailing comma?)' : ''}`);
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`Unexpected ${describe()}; expected ',' or ']'`);
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`Unexpected ${describe()} after the end of the JSON`);
    return null;
  } catch (err) {
    if (err && typeof err.offset === 'number') return err;
    throw err;
  }
}

/** Parse JSON; returns {value} or {error: "... Line 3, column 5: ..."}. */
export function parseJson(text, what = 'The config') {
  if (!text.trim()) return { error: `${what} is empty` };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const found = jsonError(text);
    if (found) {
      const { line, column } = lineColumn(text, found.offset);
      return { error: `${what} is not valid JSON. Line ${line}, column ${column}: ${found.message}.` };
    }
    return { error: `${what} is not valid JSON: ${err.message || err}` };
  }
}

function walk(node, visit, path = '') {
  if (Array.isArray(node)) {
    node.forEach((child, i) => walk(child, visit, `${path}[${i}]`));
  } else if (node && typeof node === 'object') {
    visit(node, path);
    for (const [key, child] of Object.entries(node)) walk(child, visit, path ? `${path}.${key}` : key);
  }
}

/** The component types a config uses (except data references) — what the project's lock lists. */
export function lockFor(config) {
  const found = new Set();
  walk(config, (node) => {
    if (typeof node.type === 'string' && !node.type.startsWith('data.')) found.add(node.type);
  });
  const lock = { core: '1.0.0' };
  for (const type of [...found].sort()) lock[type] = '1.0.0';
  return lock;
}

/**
 * Check a parsed config against the specs. Returns [{level: 'error'|'warning', message}].
 * `known` is the renderer's supportedTypes() list.
 */
export function checkConfig(config, { inputSpec = {}, outputSpec = {}, known = [] } = {}) {
  const out = [];
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    return [{ level: 'error', message: 'The config must be a JSON object with a "view" component.' }];
  }
  if (!config.view || typeof config.view !== 'object' || Array.isArray(config.view)) {
    return [{ level: 'error', message: 'The config needs a "view": the component workers see, e.g. {"type": "view.list", "items": [...]}.' }];
  }
  if (config.plugins !== undefined && !Array.isArray(config.plugins)) {
    out.push({ level: 'error', message: '"plugins" must be a list.' });
  }
  const knownSet = new Set(known);
  const unknown = new Set();
  const outputs = new Set();
  const inputs = new Set();
  walk(config, (node, path) => {
    if (typeof node.type !== 'string') return;
    const root = (p) => String(p || '').split('.')[0];
    if (node.type === 'data.output' && node.path !== undefined) outputs.add(root(node.path));
    else if (node.type === 'data.input' && node.path !== undefined) inputs.add(root(node.path));
    else if (knownSet.size && !knownSet.has(node.type) && /^(view|field|layout|plugin|condition|action|helper|data)\./.test(node.type)) {
      unknown.add(`${node.type}${path ? ` (at ${path})` : ''}`);
    }
  });
  for (const type of unknown) out.push({ level: 'warning', message: `Unknown component ${type}: workers would see a placeholder.` });
  for (const name of outputs) {
    if (!(name in outputSpec)) out.push({ level: 'error', message: `The config writes output field "${name}", which the output spec does not declare.` });
  }
  for (const name of inputs) {
    if (!(name in inputSpec)) out.push({ level: 'warning', message: `The config reads input field "${name}", which the input spec does not declare: it will be empty.` });
  }
  for (const name of Object.keys(outputSpec)) {
    if (!outputs.has(name) && outputSpec[name] && outputSpec[name].required) {
      out.push({ level: 'warning', message: `Required output field "${name}" is not written by any component: workers could not submit.` });
    }
  }
  return out;
}

/** Example input values for a spec (for the preview of an existing project). */
export function exampleInput(inputSpec) {
  const out = {};
  for (const [name, spec] of Object.entries(inputSpec || {})) {
    const type = (spec && spec.type) || 'string';
    if (type === 'url') out[name] = /audio|sound|voice|wav|mp3/i.test(name) ? '/static/console/sample.wav' : '/static/console/sample.svg';
    else if (type === 'integer' || type === 'float') out[name] = 1;
    else if (type === 'boolean') out[name] = true;
    else if (type === 'json') out[name] = {};
    else if (type.startsWith('array_')) out[name] = [];
    else out[name] = `Example ${name}`;
  }
  return out;
}
