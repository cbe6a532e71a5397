/** SIPp as the far end of calls Patchbay places (outbound-api calls, `<Dial>` legs). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SippResult, spawnSipp } from '../../sip/ua/sipp.js';

/** UAS scenarios: busy, never answers, digest challenge, unavailable. */
export const UAS_FIXTURES = fileURLToPath(new URL('../outbound/fixtures/', import.meta.url));

/**
 * `-sn uas` (answers with PCMU, waits for the BYE) or a scenario file of `UAS_FIXTURES`, each `@KEY@` of `vars`
 * replaced by its value; answers `calls` calls then exits. `extra` adds SIPp options (`-rtp_echo` sends every RTP
 * packet back where it came from).
 */
export async function sippUas(
  scenario: string | null, calls = 1, timeoutS = 60, extra: readonly string[] = [], vars: Record<string, string> = {},
): Promise<{ port: number; done: Promise<SippResult> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-uas-'));
  let args: string[];
  if (scenario === null) args = ['-sn', 'uas'];
  else {
    let xml = readFileSync(path.join(UAS_FIXTURES, scenario), 'utf8');
    for (const [key, value] of Object.entries(vars)) xml = xml.split(`@${key}@`).join(value);
    const file = path.join(dir, scenario);
    writeFileSync(file, xml);
    args = ['-sf', file];
  }
  const sipp = await spawnSipp([...args, '-m', String(calls), '-timeout', `${timeoutS}s`, '-timeout_error', '-mi', '127.0.0.1', ...extra], (timeoutS + 10) * 1000);
  void sipp.done.finally(() => rmSync(dir, { recursive: true, force: true }));
  return sipp;
}
