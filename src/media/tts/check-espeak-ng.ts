import { execFile } from 'node:child_process';

export type EspeakNgStatus =
  | { installed: true; version: string }
  | { installed: false; hint: string; detail: string };

export const ESPEAK_NG_INSTALL_HINT = 'apt-get install espeak-ng';

/** Whether the embedded TTS engine can run, for the start-up message; never throws. */
export function checkEspeakNg(binary = 'espeak-ng'): Promise<EspeakNgStatus> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (err, stdout) => {
      if (err) {
        resolve({ installed: false, hint: ESPEAK_NG_INSTALL_HINT, detail: err.message });
        return;
      }
      // "eSpeak NG text-to-speech: 1.51  Data at: ..."
      const m = /text-to-speech:\s*(\S+)/.exec(stdout);
      resolve({ installed: true, version: m ? m[1] : stdout.trim() });
    });
  });
}
