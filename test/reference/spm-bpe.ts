// An independent, deliberately plain SentencePiece-BPE encoder for llama2.c tokenizer
// files, written from the algorithm's description: one token per character (bytes
// as <0xXX> when the character has none), then repeatedly merge the adjacent pair
// whose merged piece has the highest score. Pieces are kept as byte strings ("latin1")
// so that any byte sequence is a valid map key.
import { readFileSync } from "node:fs";

export class ReferenceTokenizer {
  readonly pieces: Buffer[] = [];
  readonly scores: number[] = [];
  private readonly ids = new Map<string, number>();

  constructor(path: string, vocabSize: number) {
    const data = readFileSync(path);
    let offset = 4;
    for (let id = 0; id < vocabSize; id++) {
      const score = data.readFloatLE(offset);
      const length = data.readInt32LE(offset + 4);
      const piece = data.subarray(offset + 8, offset + 8 + length);
      offset += 8 + length;
      this.pieces.push(piece);
      this.scores.push(score);
      const key = piece.toString("latin1");
      if (!this.ids.has(key)) this.ids.set(key, id);
    }
  }

  idOf(piece: string | Buffer): number | undefined {
    return this.ids.get(Buffer.from(piece).toString("latin1"));
  }

  encode(text: string): number[] {
    const tokens: number[] = [1];
    if (text.length === 0) return tokens;
    const symbols: number[] = [];
    for (const character of [" ", ...Array.from(text)]) {
      const id = this.idOf(character);
      if (id !== undefined) symbols.push(id);
      else for (const byte of Buffer.from(character)) symbols.push(this.idOf(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`) ?? 0);
    }
    for (;;) {
      let best: { at: number; id: number; score: number } | undefined;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const merged = Buffer.concat([this.pieces[symbols[i]], this.pieces[symbols[i + 1]]]);
        const id = this.idOf(merged);
        if (id !== undefined && (best === undefined || this.scores[id] > best.score)) best = { at: i, id, score: this.scores[id] };
      }
      if (!best) break;
      symbols.splice(best.at, 2, best.id);
    }
    return [...tokens, ...symbols];
  }
}
