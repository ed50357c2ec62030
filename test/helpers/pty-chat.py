# Drives `uefi-llm chat` in a pseudo-terminal, as a person at the keyboard would, and
# prints what happened as one JSON object (test/keyboard.test.ts checks it).
# Usage: pty-chat.py SCENARIO COMMAND...   SCENARIO: keys | term | kill-core
import json, os, pty, select, signal, subprocess, sys, termios, time

scenario, cmd = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
report = {}

def read_until(pattern, timeout=60, start=0):
    global out
    end = time.time() + timeout
    while time.time() < end:
        if pattern in out[start:]:
            return True
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return pattern in out[start:]

def modes():
    lflag = termios.tcgetattr(fd)[3]  # a pty master reports its terminal's modes
    return {"icanon": bool(lflag & termios.ICANON), "echo": bool(lflag & termios.ECHO), "isig": bool(lflag & termios.ISIG)}

def finish():
    global out
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    report["exit"] = os.waitstatus_to_exitcode(status)

report["before"] = modes()
report["prompt"] = read_until(b"> ")
report["raw"] = modes()
if scenario == "keys":
    os.write(fd, b"Once upon a time\r")
    read_until(b"time\r\n")
    mark = len(out)
    read_until(b"", start=mark + 1)  # the answer has begun
    os.write(fd, b"\x03")  # stops the answer
    report["stopped"] = read_until(b"(stopped)", start=mark) and read_until(b"> ", start=mark)
    mark = len(out)
    os.write(fd, b"/stats\r")
    read_until(b"tokens\r\n> ", start=mark)
    report["stats1"] = out[mark:].decode("utf8", "replace")
    mark = len(out)
    os.write(fd, b"\x1b[A")  # recalls /stats
    read_until(b"/stats", start=mark)
    time.sleep(0.2)
    report["recalled"] = out[mark:].decode("utf8", "replace")
    os.write(fd, b"\x15Lily\r")
    mark = len(out)
    read_until(b"\n> ", start=mark)
    os.write(fd, b"/stats\r")
    mark = len(out)
    read_until(b"tokens\r\n> ", start=mark)
    report["stats2"] = out[mark:].decode("utf8", "replace")
    os.write(fd, b"\x04")  # Ctrl-D on an empty line ends
    finish()
elif scenario == "term":
    os.kill(pid, signal.SIGTERM)
    finish()
elif scenario == "kill-core":
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    report["children"] = len(children)
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    finish()
report["after"] = modes()
report["transcript"] = out.decode("utf8", "replace")
print(json.dumps(report))
