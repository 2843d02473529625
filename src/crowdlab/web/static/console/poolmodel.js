// The pool wizard's model: audience filters and quality-control presets to and from the Toloka pool
// fields (`filter`, `quality_control`, `speed_quality_balance`). Pure functions; the wizard page
// reads its form into plain objects and back.

const YEAR = 365.25 * 86400;

function ban(days, reason) {
  return {
    type: 'RESTRICTION_V2',
    parameters: { scope: 'PROJECT', duration: Number(days) || 1, duration_unit: 'DAYS', private_comment: reason },
  };
}

const cond = (key, operator, value) => ({ key, operator, value: Number(value) });

/** Filter tree from {languages, countries, ageFrom, ageTo, devices, skills: [{id, min}], extra}. */
export function buildFilter(audience, now = Date.now() / 1000) {
  const parts = [];
  const anyOf = (items) => (items.length === 1 ? items[0] : { or: items });
  if (audience.languages.length) {
    parts.push(anyOf(audience.languages.map((value) => ({ category: 'profile', key: 'languages', operator: 'IN', value }))));
  }
  if (audience.countries.length) {
    parts.push(anyOf(audience.countries.map((value) => ({ category: 'profile', key: 'country', operator: 'EQ', value }))));
  }
  if (audience.ageFrom) {
    parts.push({ category: 'profile', key: 'date_of_birth', operator: 'LTE', value: Math.floor(now - audience.ageFrom * YEAR) });
  }
  if (audience.ageTo) {
    parts.push({ category: 'profile', key: 'date_of_birth', operator: 'GT', value: Math.floor(now - (audience.ageTo + 1) * YEAR) });
  }
  if (audience.devices.length) {
    parts.push(anyOf(audience.devices.map((value) => ({ category: 'computed', key: 'device_category', operator: 'EQ', value }))));
  }
  for (const skill of audience.skills) {
    parts.push({ category: 'skill', key: String(skill.id), operator: 'GTE', value: Number(skill.min) || 0 });
  }
  parts.push(...(audience.extra || []));
  return parts.length ? { and: parts } : null;
}

function leaves(node) {
  if (node && Array.isArray(node.or)) return node.or.every((c) => c && !c.or && !c.and) ? node.or : null;
  return node && !node.and && !node.or ? [node] : null;
}

/** The wizard's audience from a filter tree; conditions it does not recognise are kept in `extra`. */
export function parseFilter(tree, now = Date.now() / 1000) {
  const audience = { languages: [], countries: [], ageFrom: null, ageTo: null, devices: [], skills: [], extra: [] };
  if (!tree) return audience;
  const parts = Array.isArray(tree.and) ? tree.and : [tree];
  for (const part of parts) {
    const items = leaves(part);
    const kinds = items ? new Set(items.map((c) => `${c.category}:${c.key}:${c.operator}`)) : new Set();
    if (items && kinds.size === 1) {
      const [kind] = kinds;
      const values = items.map((c) => c.value);
      if (kind === 'profile:languages:IN' || kind === 'profile:languages:EQ') {
        audience.languages.push(...values.flat());
        continue;
      }
      if (kind === 'profile:country:EQ' || kind === 'profile:country:IN') {
        audience.countries.push(...values.flat());
        continue;
      }
      if (kind === 'computed:device_category:EQ') {
        audience.devices.push(...values);
        continue;
      }
      if (items.length === 1 && kind === 'profile:date_of_birth:LTE') {
        audience.ageFrom = Math.round((now - values[0]) / YEAR);
        continue;
      }
      if (items.length === 1 && kind === 'profile:date_of_birth:GT') {
        audience.ageTo = Math.round((now - values[0]) / YEAR) - 1;
        continue;
      }
      if (items.length === 1 && items[0].category === 'skill' && items[0].operator === 'GTE') {
        audience.skills.push({ id: String(items[0].key), min: items[0].value });
        continue;
      }
    }
    audience.extra.push(part);
  }
  return audience;
}

/** Quality-control presets: name -> default numbers, in the order the wizard shows them. */
export const QC_DEFAULTS = {
  fast: { days: 1, count: 1, history: 5, seconds: 10 },
  majority: { days: 1, answers: 4, percent: 50, threshold: 2 },
  control: { days: 1, answers: 3, percent: 50, history: 10 },
  skipped: { days: 1, count: 10 },
  captcha: { days: 1, frequency: 'MEDIUM', percent: 40, history: 5 },
};

/** quality_control from {rules: {name: params} for the enabled presets, extra: [configs kept as is]}. */
export function buildQualityControl(qc) {
  const configs = [];
  const r = qc.rules;
  if (r.fast) {
    configs.push({
      collector_config: { type: 'ASSIGNMENT_SUBMIT_TIME', parameters: { history_size: Number(r.fast.history), fast_submit_threshold_seconds: Number(r.fast.seconds) } },
      rules: [{ conditions: [cond('fast_submitted_count', 'GTE', r.fast.count)], action: ban(r.fast.days, 'Fast responses') }],
    });
  }
  if (r.majority) {
    configs.push({
      collector_config: { type: 'MAJORITY_VOTE', parameters: { answer_threshold: Number(r.majority.threshold) } },
      rules: [{
        conditions: [cond('total_answers_count', 'GTE', r.majority.answers), cond('correct_answers_rate', 'LT', r.majority.percent)],
        action: ban(r.majority.days, 'Disagrees with the majority'),
      }],
    });
  }
  if (r.control) {
    configs.push({
      collector_config: { type: 'GOLDEN_SET', parameters: { history_size: Number(r.control.history) } },
      rules: [{
        conditions: [cond('golden_set_answers_count', 'GTE', r.control.answers), cond('golden_set_correct_answers_rate', 'LT', r.control.percent)],
        action: ban(r.control.days, 'Wrong answers to control tasks'),
      }],
    });
  }
  if (r.skipped) {
    configs.push({
      collector_config: { type: 'SKIPPED_IN_ROW_ASSIGNMENTS' },
      rules: [{ conditions: [cond('skipped_in_row_count', 'GTE', r.skipped.count)], action: ban(r.skipped.days, 'Skips suites in a row') }],
    });
  }
  if (r.captcha) {
    configs.push({
      collector_config: { type: 'CAPTCHA', parameters: { history_size: Number(r.captcha.history) } },
      rules: [{ conditions: [cond('fail_rate', 'GTE', r.captcha.percent)], action: ban(r.captcha.days, 'Fails captchas') }],
    });
  }
  configs.push(...(qc.extra || []));
  const out = { configs };
  if (r.captcha) out.captcha_frequency = r.captcha.frequency;
  return out;
}

function condValue(rule, key) {
  const found = (rule.conditions || []).find((c) => c.key === key);
  return found ? found.value : undefined;
}

/** The wizard's presets from a pool's quality_control; configs it does not recognise go to `extra`. */
export function parseQualityControl(qualityControl) {
  const rules = {};
  const extra = [];
  for (const config of (qualityControl && qualityControl.configs) || []) {
    const collector = config.collector_config || {};
    const params = collector.parameters || {};
    const rule = (config.rules || [])[0];
    const action = rule && rule.action;
    const days = action && action.parameters && action.parameters.duration_unit === 'DAYS' ? action.parameters.duration : 1;
    if (!rule || (config.rules || []).length !== 1) {
      extra.push(config);
      continue;
    }
    if (collector.type === 'ASSIGNMENT_SUBMIT_TIME' && condValue(rule, 'fast_submitted_count') !== undefined) {
      rules.fast = { days, count: condValue(rule, 'fast_submitted_count'), history: params.history_size || 5, seconds: params.fast_submit_threshold_seconds || 10 };
    } else if (collector.type === 'MAJORITY_VOTE' && condValue(rule, 'correct_answers_rate') !== undefined) {
      rules.majority = { days, answers: condValue(rule, 'total_answers_count') || 1, percent: condValue(rule, 'correct_answers_rate'), threshold: params.answer_threshold || 2 };
    } else if (collector.type === 'GOLDEN_SET' && condValue(rule, 'golden_set_correct_answers_rate') !== undefined) {
      rules.control = { days, answers: condValue(rule, 'golden_set_answers_count') || 1, percent: condValue(rule, 'golden_set_correct_answers_rate'), history: params.history_size || 10 };
    } else if (collector.type === 'SKIPPED_IN_ROW_ASSIGNMENTS' && condValue(rule, 'skipped_in_row_count') !== undefined) {
      rules.skipped = { days, count: condValue(rule, 'skipped_in_row_count') };
    } else if (collector.type === 'CAPTCHA' && condValue(rule, 'fail_rate') !== undefined) {
      rules.captcha = { days, frequency: (qualityControl && qualityControl.captcha_frequency) || 'MEDIUM', percent: condValue(rule, 'fail_rate'), history: params.history_size || 5 };
    } else {
      extra.push(config);
    }
  }
  return { rules, extra };
}
