/**
 * The top-level help and the version: what `patchbay --version` and `patchbay --help` print.
 * This module imports nothing but `node:fs`, so the executable answers those two before it loads
 * Effect, the core and the adapters (see `bin.ts`).
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"

/** The version of this package. */
export const version: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version

/** The top-level usage text. */
export const usage = `patchbay — many AI vendors behind one typed, streaming speech pipeline

Usage: patchbay <command> [options]

Commands:
  transcribe <file>   audio in, transcript out                        --stt
  listen <file>       a recording streamed live to a realtime model   --stt --language --fast
  say "<text>"        text in, speech out                             --tts --voice -o
  talk <file>         audio in, audio out: one voice turn             --stt --llm --tts --voice -o
  image "<prompt>"    the language model draws with the image tool    --llm --image -o
  embed "<text>"      text in, its embedding vector out               --model --dimensions
  providers           providers, models and capabilities; local programs
  demo                the seed's modes, streaming and image flow, offline from cassettes
  serve               the HTTP API on a port, over a SQLite file or PostgreSQL    --config --port --db
  keys create|list|revoke   API keys of the server's tenants                       --tenant

Models are named provider/model: openai/whisper-1, elevenlabs/eleven_flash_v2_5,
openrouter/google/gemini-3.1-flash-image-preview (split at the first slash).

Options for every command:
  --json            machine output on stdout (one JSON document)
  --replay <dir>    serve vendor calls from the cassettes in <dir>, never the network
  -h, --help        help for a command (patchbay <command> --help)
  -V, --version     the version

Keys come from the environment: OPENAI_API_KEY, ELEVENLABS_API_KEY, OPENROUTER_API_KEY.
Progress goes to stderr; errors are one line on stderr with a non-zero exit code.
`
