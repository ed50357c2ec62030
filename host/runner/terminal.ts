// The chat's terminal: raw mode while the chat owns it, line editing with history, and
// Ctrl-C / Esc to stop an answer. The core runs in a child process (the native build,
// or this CLI again running the core in Node) that reads finished lines on its stdin,
// so this process stays free to read keys while the core computes, and puts the
// terminal back whatever way the child ends (killed, crashed, trapped).
//
// Keys: Enter sends; Backspace edits; Up/Down walk the history; Ctrl-U clears the line;
// while an answer streams, Ctrl-C or Esc stops it (a second Ctrl-C quits); at the
// prompt, Ctrl-C clears a line, or on an empty line quits; Ctrl-D on an empty line ends.
import { type ChildProcess, spawn } from "node:child_process";
import { constants as osConstants } from "node:os";

export interface ChatBackend {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** How to tell the child to stop the current answer. */
  interrupt(child: ChildProcess): void;
}

/** The prompt the core writes before reading a line (assembly/text/chat.ts). */
const PROMPT = "> ";
const HISTORY_MAX = 500;

/** Runs the chat child under a raw terminal; resolves with the exit code to end with. */
export function chatInTerminal(backend: ChatBackend): Promise<number> {
  const stdin = process.stdin;
  const out = (text: string) => process.stdout.write(text);
  const restore = () => {
    if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
  };
  process.on("exit", restore);
  stdin.setRawMode(true);

  const child = spawn(backend.command, backend.args, {
    env: backend.env ?? process.env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin!.on("error", () => {});

  const history: string[] = [];
  let browsing = history.length; // index into history while walking it with up/down
  let line = "";
  let answering = true; // until the core shows its first prompt (loading, the banner)
  let stopsAsked = 0;
  const queued: string[] = []; // lines finished (pasted) while an answer streams

  const showLine = (text: string) => {
    out(`\r\x1b[K${PROMPT}${text}`);
    line = text;
  };
  const send = (text: string) => {
    if (text.trim() !== "" && history.at(-1) !== text) history.push(text);
    if (history.length > HISTORY_MAX) history.shift();
    browsing = history.length;
    answering = true;
    stopsAsked = 0;
    child.stdin!.write(text + "\n");
  };
  const quit = () => {
    child.stdin!.end();
  };

  child.stdout!.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    out(text);
    if (answering && text.endsWith(PROMPT)) {
      answering = false;
      const next = queued.shift();
      if (next !== undefined) {
        out(next + "\n");
        send(next);
      } else if (line !== "") {
        out(line); // typed ahead while the answer streamed
      }
    }
  });

  const onKeys = (data: Buffer) => {
    const keys = data.toString("utf8");
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === "\x1b") {
        // An escape sequence (arrows), or Esc alone.
        const sequence = /^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(keys.slice(i));
        if (sequence) {
          i += sequence[0].length - 1;
          if (!answering) arrow(sequence[0].at(-1)!);
        } else if (answering) {
          backend.interrupt(child);
        }
        continue;
      }
      if (key === "\x03") {
        // Ctrl-C
        if (answering) {
          if (stopsAsked++ > 0) return quit(), child.kill("SIGTERM");
          backend.interrupt(child);
        } else if (line !== "") {
          out("^C");
          out("\n");
          showLine("");
        } else {
          out("\n");
          quit();
        }
        continue;
      }
      if (key === "\x04") {
        // Ctrl-D: the end, on an empty line
        if (!answering && line === "") {
          out("\n");
          quit();
        }
        continue;
      }
      if (key === "\r" || key === "\n") {
        if (key === "\n" && keys[i - 1] === "\r") continue;
        if (answering) {
          queued.push(line);
          line = "";
        } else {
          out("\n");
          const text = line;
          line = "";
          send(text);
        }
        continue;
      }
      if (key === "\x7f" || key === "\b") {
        if (line.length === 0) continue;
        const chars = Array.from(line);
        chars.pop();
        if (answering) line = chars.join("");
        else showLine(chars.join(""));
        continue;
      }
      if (key === "\x15") {
        // Ctrl-U
        if (answering) line = "";
        else showLine("");
        continue;
      }
      if (key < " ") continue; // other control keys
      line += key;
      if (!answering) out(key);
    }
  };

  const arrow = (code: string) => {
    if (code === "A" && browsing > 0) showLine(history[--browsing]);
    else if (code === "B" && browsing < history.length) {
      browsing++;
      showLine(browsing === history.length ? "" : history[browsing]);
    }
  };

  stdin.on("data", onKeys);
  stdin.resume();

  // Signals that end us: put the terminal back, take the child along.
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGQUIT"];
  const onSignal = (signal: NodeJS.Signals) => {
    child.kill("SIGTERM");
    restore();
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  };
  for (const signal of signals) process.on(signal, onSignal);

  return new Promise((resolve) => {
    child.on("error", (error) => {
      restore();
      process.stderr.write(`uefi-llm: cannot start the chat: ${error.message}\n`);
      resolve(1);
    });
    child.on("close", (code, signal) => {
      stdin.off("data", onKeys);
      stdin.pause();
      for (const s of signals) process.off(s, onSignal);
      restore();
      resolve(code ?? (signal === "SIGTERM" && stopsAsked > 1 ? 130 : 128 + (osConstants.signals[signal!] ?? 0)));
    });
  });
}
