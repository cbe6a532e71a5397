import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { notFound, rfc2822 } from '../../core/index.js';
import { Mp3Renditions } from '../../media/index.js';
import type { Recording } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';

export function serializeRecording(r: Recording, publicUrl: string): Record<string, unknown> {
  const base = `${accountPath(r.accountSid)}/Recordings/${r.sid}`;
  return {
    account_sid: r.accountSid,
    api_version: '2010-04-01',
    call_sid: r.callSid,
    conference_sid: r.conferenceSid,
    date_created: rfc2822(r.dateCreated),
    date_updated: rfc2822(r.dateUpdated),
    start_time: rfc2822(r.startTime),
    duration: r.duration === null ? null : String(r.duration),
    sid: r.sid,
    price: r.price,
    price_unit: r.priceUnit,
    status: r.status,
    channels: r.channels,
    source: r.source,
    error_code: r.errorCode,
    uri: `${base}.json`,
    encryption_details: null,
    subresource_uris: {
      add_on_results: `${base}/AddOnResults.json`,
      transcriptions: `${base}/Transcriptions.json`,
    },
    media_url: `${publicUrl}${base}`,
  };
}

type SidParams = { AccountSid: string; Sid: string };

/**
 * `/Recordings.json`, `/Calls/{CallSid}/Recordings.json` (listing) and the media URL: `/Recordings/{Sid}` or
 * `.wav` serves the WAV file, `.mp3` its MP3 rendition (reference §1.2), encoded on the first request and kept
 * beside the WAV. As on Twilio by default, media URLs need no credentials: the SID is the secret.
 */
export function recordingsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const renditions = new Mp3Renditions();
    const instancePath = (a: string, s: string) => `${accountPath(a)}/Recordings/${s}.json`;
    const serialize = (r: Recording) => serializeRecording(r, ctx.publicUrl);

    app.get('/Accounts/:AccountSid/Recordings.json', async (request) => {
      const query = asForm(request.query);
      const params = new Params(query);
      const list = readListRequest(query);
      const page = await ctx.store.recordings.list(
        request.account!.sid,
        { callSid: params.string('CallSid'), conferenceSid: params.string('ConferenceSid'), dateCreated: params.timeRange('DateCreated') },
        list,
      );
      return listEnvelope('recordings', `${accountPath(request.account!.sid)}/Recordings.json`, query, list, page, serialize);
    });

    app.get<{ Params: { AccountSid: string; CallSid: string } }>('/Accounts/:AccountSid/Calls/:CallSid/Recordings.json', async (request) => {
      const account = request.account!;
      if (!(await ctx.store.calls.getOwned(account.sid, request.params.CallSid))) {
        throw notFound(`${accountPath(account.sid)}/Calls/${request.params.CallSid}.json`);
      }
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.recordings.list(
        account.sid,
        { callSid: request.params.CallSid, dateCreated: new Params(query).timeRange('DateCreated') },
        list,
      );
      return listEnvelope('recordings', `${accountPath(account.sid)}/Calls/${request.params.CallSid}/Recordings.json`, query, list, page, serialize);
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/Recordings/:Sid.json', async (request) => {
      const r = await ctx.store.recordings.getOwned(request.account!.sid, request.params.Sid);
      if (!r) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serialize(r);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/Recordings/:Sid.json', async (request, reply) => {
      const r = await ctx.store.recordings.getOwned(request.account!.sid, request.params.Sid);
      if (!r) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      await ctx.store.recordings.delete(r.sid);
      if (r.mediaPath) {
        const wav = recordingFile(ctx, r.mediaPath);
        await renditions.remove(wav);
        await rm(wav, { force: true });
      }
      return reply.code(204).send();
    });

    for (const suffix of ['', '.wav', '.mp3']) {
      app.get<{ Params: SidParams }>(
        `/Accounts/:AccountSid/Recordings/:Sid${suffix}`,
        { config: { publicMedia: true } },
        async (request, reply) => {
          const { AccountSid, Sid } = request.params;
          const r = await ctx.store.recordings.getOwned(AccountSid, Sid);
          if (!r || !r.mediaPath || r.status !== 'completed') throw notFound(`${accountPath(AccountSid)}/Recordings/${Sid}${suffix}`);
          const wav = recordingFile(ctx, r.mediaPath);
          if (!(await stat(wav).catch(() => undefined))) throw notFound(`${accountPath(AccountSid)}/Recordings/${Sid}${suffix}`);
          const file = suffix === '.mp3' ? await renditions.ensure(wav) : wav;
          const info = await stat(file);
          return reply
            .header('Content-Type', suffix === '.mp3' ? 'audio/mpeg' : 'audio/x-wav')
            .header('Content-Length', info.size)
            .header('Cache-Control', 'private, max-age=31536000, immutable')
            .send(createReadStream(file));
        },
      );
    }
  };
}

/** A recording's file: its stored name in the recordings directory. */
function recordingFile(ctx: ApiContext, mediaPath: string): string {
  return path.join(ctx.recordingsDir, path.basename(mediaPath));
}
