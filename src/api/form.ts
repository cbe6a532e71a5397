/**
 * Twilio request bodies are `application/x-www-form-urlencoded` with PascalCase names; a repeated key is an array
 * (`StatusCallbackEvent=initiated&StatusCallbackEvent=ringing`).
 */
export type Form = Record<string, string | string[]>;

export function parseForm(text: string): Form {
  const form: Form = Object.create(null) as Form;
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = form[key];
    if (existing === undefined) form[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else form[key] = [existing, value];
  }
  return form;
}

/** Query strings come through the same shape so filters and body parameters are read alike. */
export function asForm(value: unknown): Form {
  if (value === null || typeof value !== 'object') return Object.create(null) as Form;
  const form: Form = Object.create(null) as Form;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') form[key] = v;
    else if (Array.isArray(v)) form[key] = v.filter((x): x is string => typeof x === 'string');
  }
  return form;
}
