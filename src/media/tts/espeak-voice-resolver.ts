/**
 * TwiML `<Say voice language>` → an espeak-ng voice (`-v <language>[+<variant>]`).
 *
 * Language: BCP-47 tags (RFC 5646) are matched case-insensitively against the voices espeak-ng reports as
 * installed: the full tag, then a known regional substitute, then the primary language subtag (RFC 4647 §3.4
 * lookup). Voice: TwiML's `man` / `woman` / `alice` and the gender of known Amazon Polly voices pick espeak's
 * male (`+m3`) or female (`+f3`) variant; a Polly or Google voice also implies its language when none is given.
 */
import { TtsError } from './tts-error.js';

export interface EspeakVoice {
  /** espeak-ng language voice name, e.g. `en-us`. */
  language: string;
  /** espeak-ng variant, e.g. `f3`, or null for the voice's default (male). */
  variant: string | null;
}

type Gender = 'female' | 'male';

/** Amazon Polly voices TwiML apps commonly name: gender and language (Amazon Polly voice list). */
const POLLY: Record<string, [Gender, string]> = {
  joanna: ['female', 'en-US'], salli: ['female', 'en-US'], kimberly: ['female', 'en-US'], kendra: ['female', 'en-US'],
  ivy: ['female', 'en-US'], ruth: ['female', 'en-US'], danielle: ['female', 'en-US'], matthew: ['male', 'en-US'],
  joey: ['male', 'en-US'], justin: ['male', 'en-US'], kevin: ['male', 'en-US'], stephen: ['male', 'en-US'],
  gregory: ['male', 'en-US'], amy: ['female', 'en-GB'], emma: ['female', 'en-GB'], brian: ['male', 'en-GB'],
  arthur: ['male', 'en-GB'], nicole: ['female', 'en-AU'], olivia: ['female', 'en-AU'], russell: ['male', 'en-AU'],
  aditi: ['female', 'en-IN'], raveena: ['female', 'en-IN'], kajal: ['female', 'en-IN'], geraint: ['male', 'en-GB-WLS'],
  celine: ['female', 'fr-FR'], 'céline': ['female', 'fr-FR'], lea: ['female', 'fr-FR'], 'léa': ['female', 'fr-FR'],
  mathieu: ['male', 'fr-FR'], remi: ['male', 'fr-FR'], 'rémi': ['male', 'fr-FR'], chantal: ['female', 'fr-CA'],
  gabrielle: ['female', 'fr-CA'], liam: ['male', 'fr-CA'], marlene: ['female', 'de-DE'], vicki: ['female', 'de-DE'],
  hans: ['male', 'de-DE'], daniel: ['male', 'de-DE'], conchita: ['female', 'es-ES'], lucia: ['female', 'es-ES'],
  enrique: ['male', 'es-ES'], sergio: ['male', 'es-ES'], mia: ['female', 'es-MX'], andres: ['male', 'es-MX'],
  lupe: ['female', 'es-US'], penelope: ['female', 'es-US'], miguel: ['male', 'es-US'], pedro: ['male', 'es-US'],
  carla: ['female', 'it-IT'], bianca: ['female', 'it-IT'], giorgio: ['male', 'it-IT'], adriano: ['male', 'it-IT'],
  camila: ['female', 'pt-BR'], vitoria: ['female', 'pt-BR'], 'vitória': ['female', 'pt-BR'], ricardo: ['male', 'pt-BR'],
  thiago: ['male', 'pt-BR'], ines: ['female', 'pt-PT'], 'inês': ['female', 'pt-PT'], cristiano: ['male', 'pt-PT'],
  lotte: ['female', 'nl-NL'], laura: ['female', 'nl-NL'], ruben: ['male', 'nl-NL'], mizuki: ['female', 'ja-JP'],
  takumi: ['male', 'ja-JP'], seoyeon: ['female', 'ko-KR'], zhiyu: ['female', 'cmn-CN'], tatyana: ['female', 'ru-RU'],
  maxim: ['male', 'ru-RU'], ewa: ['female', 'pl-PL'], maja: ['female', 'pl-PL'], jacek: ['male', 'pl-PL'],
  jan: ['male', 'pl-PL'], astrid: ['female', 'sv-SE'], elin: ['female', 'sv-SE'], naja: ['female', 'da-DK'],
  mads: ['male', 'da-DK'], liv: ['female', 'nb-NO'], filiz: ['female', 'tr-TR'], zeina: ['female', 'arb'],
  hala: ['female', 'ar-AE'], carmen: ['female', 'ro-RO'], dora: ['female', 'is-IS'], karl: ['male', 'is-IS'],
  gwyneth: ['female', 'cy-GB'], suvi: ['female', 'fi-FI'], hiujin: ['female', 'yue-CN'], ayanda: ['female', 'en-ZA'],
};

/**
 * Tags whose nearest espeak-ng voice is not found by truncation. espeak-ng has one British and one American
 * English; Commonwealth variants read closer to the British one.
 */
const SUBSTITUTES: Record<string, string> = {
  'en-au': 'en-gb', 'en-nz': 'en-gb', 'en-in': 'en-gb', 'en-ie': 'en-gb', 'en-za': 'en-gb', 'en-gb-wls': 'en-gb',
  'en-ca': 'en-us', en: 'en-us', 'fr-ca': 'fr-fr', fr: 'fr-fr', 'es-mx': 'es-419', 'es-us': 'es-419', 'es-ar': 'es-419',
  'es-co': 'es-419', 'pt-pt': 'pt', 'cmn-cn': 'cmn', 'zh-cn': 'cmn', 'zh-tw': 'cmn', zh: 'cmn', 'cmn-tw': 'cmn',
  'yue-cn': 'yue', 'yue-hk': 'yue', 'zh-hk': 'yue', arb: 'ar', 'nb-no': 'nb', no: 'nb', 'cy-gb': 'cy', fil: 'tl',
};

const VARIANT: Record<Gender, string> = { female: 'f3', male: 'm3' };

export class EspeakVoiceResolver {
  private readonly installed: ReadonlySet<string>;

  /** `installed`: language names from `espeak-ng --voices` (second column), any case. */
  constructor(installed: Iterable<string>) {
    this.installed = new Set(Array.from(installed, (l) => l.toLowerCase()));
  }

  resolve(voice: string | undefined, language: string | undefined): EspeakVoice {
    const v = (voice ?? 'man').trim();
    let gender: Gender | null;
    let voiceLanguage: string | null = null;
    const lower = v.toLowerCase();
    if (lower === 'man') gender = 'male';
    else if (lower === 'woman' || lower === 'alice') gender = 'female';
    else if (lower.startsWith('polly.')) {
      // Polly.<Name>[-Neural|-Generative|-LongForm]
      const name = lower.slice('polly.'.length).split('-')[0];
      const known = POLLY[name];
      gender = known?.[0] ?? null;
      voiceLanguage = known?.[1] ?? null;
    } else if (lower.startsWith('google.')) {
      // Google.<lang>-<Region>-<Model>-<Letter>, e.g. Google.en-US-Standard-C: the language is in the name.
      const m = /^google\.([a-z]{2,3}-[a-z0-9]{2,4})-/i.exec(v);
      if (!m) throw new TtsError('unsupported-voice', `cannot read the language of voice ${v}`);
      gender = null;
      voiceLanguage = m[1];
    } else {
      throw new TtsError('unsupported-voice', `voice ${v} is not supported`);
    }
    const tag = language?.trim() || voiceLanguage || 'en-US';
    return { language: this.resolveLanguage(tag), variant: gender === null ? null : VARIANT[gender] };
  }

  /** BCP-47 tag → installed espeak-ng voice name; throws `TtsError('unsupported-language')`. */
  resolveLanguage(tag: string): string {
    if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag)) throw new TtsError('unsupported-language', `bad language tag ${tag}`);
    const subtags = tag.toLowerCase().split('-');
    for (let n = subtags.length; n >= 1; n--) {
      const candidate = subtags.slice(0, n).join('-');
      for (const name of [candidate, SUBSTITUTES[candidate]]) {
        if (name !== undefined && this.installed.has(name)) return name;
      }
    }
    throw new TtsError('unsupported-language', `language ${tag} is not supported by espeak-ng`);
  }
}
