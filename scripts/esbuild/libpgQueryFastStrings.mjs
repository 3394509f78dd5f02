// Build-time patch of libpg-query's JS glue (not its parser): the strings in and out of the WebAssembly parser
// are converted with Node's native encoder/decoder instead of Emscripten's byte-at-a-time JS loops. The parse
// tree's JSON text is several times the SQL's size, and on a cold `pgopt lint` those loops (finding the
// terminating NUL, counting and writing UTF-8 bytes) ran mostly unoptimized: ~25 ms CPU of the bench corpus.
// Same bytes and strings: a string that is not well-formed UTF-16 (a lone surrogate) takes the original path,
// and the decoder is the one Emscripten itself uses past 16 bytes (TextDecoder, UTF-8).
// The build fails if the patched text is not found (a libpg-query upgrade changed it): update the patterns.
import { readFile } from 'node:fs/promises';

const HELPERS = `
const __pgoptDecoder = new TextDecoder();
const __pgoptEncoder = new TextEncoder();
function __pgoptUtf8ToString(m, ptr) {
  const heap = m.HEAPU8;
  const end = heap.indexOf(0, ptr);
  return __pgoptDecoder.decode(heap.subarray(ptr, end < 0 ? heap.length : end));
}
`;

const PATCHES = [
  { from: /wasmModule\.UTF8ToString\(parseTreePtr\)/g, to: '__pgoptUtf8ToString(wasmModule, parseTreePtr)', count: 2 },
  {
    from: /const len = wasmModule\.lengthBytesUTF8\(str\) \+ 1;\s*const ptr = wasmModule\._malloc\(len\);\s*try \{\s*wasmModule\.stringToUTF8\(str, ptr, len\);/,
    to: [
      'const wellFormed = str.isWellFormed();',
      'const len = (wellFormed ? Buffer.byteLength(str) : wasmModule.lengthBytesUTF8(str)) + 1;',
      'const ptr = wasmModule._malloc(len);',
      'try {',
      '    if (wellFormed) {',
      '        const heap = wasmModule.HEAPU8;',
      '        heap[ptr + __pgoptEncoder.encodeInto(str, heap.subarray(ptr, ptr + len - 1)).written] = 0;',
      '    }',
      '    else wasmModule.stringToUTF8(str, ptr, len);',
    ].join('\n'),
    count: 1,
  },
];

export const libpgQueryFastStrings = {
  name: 'libpg-query-fast-strings',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]libpg-query[\\/]wasm[\\/]index\.(c?js)$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      for (const p of PATCHES) {
        const n = (text.match(p.from.global ? p.from : new RegExp(p.from.source, 'g')) ?? []).length;
        if (n !== p.count) throw new Error(`libpgQueryFastStrings: expected ${p.count} match(es) of ${p.from} in ${args.path}, found ${n}`);
        text = text.replace(p.from, p.to);
      }
      return { contents: HELPERS + text, loader: 'js' };
    });
  },
};
