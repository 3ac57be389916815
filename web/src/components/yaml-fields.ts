import { useState } from 'react';

/**
 * The YAML part of a form (the settings it has no inputs for), parsed when the form is sent. A
 * mistake is shown in place of whatever the server said about the previous try (`clearServerError`).
 */
export function useYamlFields(clearServerError: () => void) {
  const [parseError, setParseError] = useState<string | null>(null);
  const fail = (message: string) => {
    clearServerError();
    setParseError(message);
    return null;
  };
  /** The keys and values written, or null (the mistake shown) when they are not YAML keys and values; `example` shows one. */
  const parseFields = async (text: string, example: string): Promise<Record<string, unknown> | null> => {
    const { parse } = await import('yaml');
    let parsed: unknown;
    try {
      parsed = text.trim() ? parse(text) : {};
    } catch (err) {
      return fail(`The fields are not valid YAML: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(`The fields must be YAML keys and values, like "${example}".`);
    setParseError(null);
    return parsed as Record<string, unknown>;
  };
  return { parseError, parseFields };
}
