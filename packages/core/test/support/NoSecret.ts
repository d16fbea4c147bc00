/**
 * A program that uses two Patchbays without `PATCHBAY_MEDIA_SECRET` and prints its own result on
 * stdout, run by `MediaStore.test.ts`: the library's warning about the secret must appear once,
 * on stderr, and nothing of the library's on stdout.
 */
import { createPatchbay } from "../../src/index.ts"
import { FakeLlm, fakeProvider } from "../../src/testing/index.ts"

for (const round of [1, 2]) {
  const pb = createPatchbay({ providers: [fakeProvider({ llm: FakeLlm({ reply: "hi" }) })] })
  const response = await pb.addMessage({ content: "hello", llmProvider: "fake", modelName: "fake-llm" })
  process.stdout.write(`round ${round}: ${response.status}\n`)
}
