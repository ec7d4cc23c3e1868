import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Next to this module in src/ and, copied by `nest build` (nest-cli.json assets), in dist/. */
export const DEMO_PAGES_ROOT = fileURLToPath(new URL('./static/', import.meta.url));

/**
 * The browser demo, plain files with no build step: the candidate page at /demo/ and the bank page at /demo/bank/
 * (each without the trailing slash redirects there). Registered after the rate limits, so they count as any route
 * does; the security headers (no inline script) are the service's own. Only the files present at start-up are
 * served: one route each, no wildcard reaching into the file system.
 */
export async function serveDemoPages(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyStatic, {
    root: DEMO_PAGES_ROOT,
    prefix: '/demo/',
    wildcard: false,
    redirect: true,
    index: 'index.html',
    // Swagger UI's instance of the plugin owns reply.sendFile.
    decorateReply: false,
  });
}
