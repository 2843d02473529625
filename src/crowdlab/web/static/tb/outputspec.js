// Check output values against a project's output_spec (Toloka FieldSpec objects):
// types boolean/string/integer/float/url/file/coordinates/json and array_* of those; required,
// allowed_values, min_length/max_length (strings), min_value/max_value (numbers),
// min_size/max_size (arrays).  Unknown types are accepted (the server has the final word).

const COORDS = /^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$/;

function scalarError(type, v, spec) {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') return 'Must be text';
      if (typeof spec.min_length === 'number' && [...v].length < spec.min_length) {
        return `At least ${spec.min_length} characters`;
      }
      if (typeof spec.max_length === 'number' && [...v].length > spec.max_length) {
        return `At most ${spec.max_length} characters`;
      }
      break;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return 'Must be a whole number';
      break;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'Must be a number';
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return 'Must be true or false';
      break;
    case 'url':
      if (typeof v !== 'string' || !/^https?:\/\/\S+$/i.test(v)) return 'Must be an http(s) URL';
      break;
    case 'file':
      if (typeof v !== 'string' || !v) return 'Must be an uploaded file';
      break;
    case 'coordinates':
      if (typeof v !== 'string' || !COORDS.test(v)) return 'Must be coordinates "lat,lon"';
      break;
    default:
      return null; // json and unknown types: any value
  }
  if (typeof v === 'number') {
    if (typeof spec.min_value === 'number' && v < spec.min_value) return `Must be at least ${spec.min_value}`;
    if (typeof spec.max_value === 'number' && v > spec.max_value) return `Must be at most ${spec.max_value}`;
  }
  if (Array.isArray(spec.allowed_values) && spec.allowed_values.length && !spec.allowed_values.includes(v)) {
    return `Must be one of: ${spec.allowed_values.map((x) => JSON.stringify(x)).join(', ')}`;
  }
  return null;
}

/** Messages for one output field (empty array when valid). */
export function fieldSpecErrors(value, spec) {
  if (!spec || typeof spec !== 'object') return [];
  const type = String(spec.type || 'json');
  const required = spec.required !== false;
  if (value === undefined || value === null) {
    return required ? ['This field is required'] : [];
  }
  if (type.startsWith('array_')) {
    if (!Array.isArray(value)) return ['Must be a list'];
    if (typeof spec.min_size === 'number' && value.length < spec.min_size) {
      return [`Choose at least ${spec.min_size}`];
    }
    if (typeof spec.max_size === 'number' && value.length > spec.max_size) {
      return [`Choose at most ${spec.max_size}`];
    }
    const itemType = type.slice('array_'.length);
    for (let i = 0; i < value.length; i++) {
      const err = scalarError(itemType, value[i], spec);
      if (err) return [`Item ${i + 1}: ${err}`];
    }
    return [];
  }
  const err = scalarError(type, value, spec);
  return err ? [err] : [];
}

/** [{path, message}] for all fields of `outputSpec` ({name: FieldSpec}). */
export function outputSpecErrors(values, outputSpec) {
  const errors = [];
  if (!outputSpec || typeof outputSpec !== 'object') return errors;
  for (const [key, spec] of Object.entries(outputSpec)) {
    const v = values && Object.prototype.hasOwnProperty.call(values, key) ? values[key] : undefined;
    for (const message of fieldSpecErrors(v, spec)) errors.push({ path: key, message });
  }
  return errors;
}
