// condition.schema: a small JSON-schema subset.
// Supported keywords: type (string or list), enum, const, minLength, maxLength, pattern, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum, minItems, maxItems, items, required, properties.
// Unknown keywords are ignored (not failed), like most validators do.

import { deepEqual, isPlainObject } from './values.js';

const MAX_DEPTH = 32;

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v, t) {
  const actual = typeOf(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return actual === t;
}

const TYPE_NAMES = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'empty',
};

/** Return the first violation message, or null when `value` satisfies `schema`. */
export function schemaError(value, schema, path = '', depth = 0) {
  if (!isPlainObject(schema) || depth > MAX_DEPTH) return null;
  const where = path ? `${path}: ` : '';
  if (value === undefined) {
    // An absent value only fails when the schema has a type (mirrors "required" semantics).
    return schema.type ? `${where}A value is required` : null;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(value, t))) {
      return `${where}Must be ${types.map((t) => TYPE_NAMES[t] || t).join(' or ')}`;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    return `${where}Must be one of: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  if ('const' in schema && !deepEqual(schema.const, value)) {
    return `${where}Must be ${JSON.stringify(schema.const)}`;
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof schema.minLength === 'number' && len < schema.minLength) {
      return `${where}At least ${schema.minLength} characters`;
    }
    if (typeof schema.maxLength === 'number' && len > schema.maxLength) {
      return `${where}At most ${schema.maxLength} characters`;
    }
    if (typeof schema.pattern === 'string') {
      let re = null;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = null;
      }
      if (re && !re.test(value)) return `${where}Does not match the required format`;
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) {
      return `${where}Must be at least ${schema.minimum}`;
    }
    if (typeof schema.maximum === 'number' && value > schema.maximum) {
      return `${where}Must be at most ${schema.maximum}`;
    }
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
      return `${where}Must be greater than ${schema.exclusiveMinimum}`;
    }
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
      return `${where}Must be less than ${schema.exclusiveMaximum}`;
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      return `${where}Choose at least ${schema.minItems}`;
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      return `${where}Choose at most ${schema.maxItems}`;
    }
    if (isPlainObject(schema.items)) {
      for (let i = 0; i < value.length; i++) {
        const err = schemaError(value[i], schema.items, path ? `${path}.${i}` : String(i), depth + 1);
        if (err) return err;
      }
    }
  }
  if (isPlainObject(value)) {
    if (Array.isArray(schema.required)) {
      for (const key of schema.required) {
        if (!Object.prototype.hasOwnProperty.call(value, key) || value[key] === undefined) {
          return `${where}"${key}" is required`;
        }
      }
    }
    if (isPlainObject(schema.properties)) {
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        const err = schemaError(value[key], sub, path ? `${path}.${key}` : key, depth + 1);
        if (err) return err;
      }
    }
  }
  return null;
}
