# Drives `uefi-llm run IMAGE` (a chat stick) in a pseudo-terminal: waits for the guest's
# prompt, asks, presses Ctrl-C, Up (the line comes back) and Ctrl-C, then Ctrl-] to stop
# QEMU; prints one JSON object (test/boot-keyboard.test.ts checks it).
import os, pty, select, sys, termios, time, json
cmd = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
def read_until(p, timeout=300, start=0):
    global out
    end = time.time() + timeout
    while time.time() < end:
        if p in out[start:]: return True
        r,_,_ = select.select([fd],[],[],0.1)
        if r:
            try: out += os.read(fd, 65536)
            except OSError: break
    return p in out[start:]
def modes():
    l = termios.tcgetattr(fd)[3]; return [bool(l & termios.ICANON), bool(l & termios.ECHO)]
rep = {"before": modes()}
rep["prompt"] = read_until(b"\n> ")
rep["raw"] = modes()
m = len(out)
os.write(fd, b"Once upon a time\r")
read_until(b"time", start=m); time.sleep(1.0)
os.write(fd, b"\x03")
rep["stopped"] = read_until(b"(stopped)", timeout=60, start=m)
read_until(b"\n> ", timeout=60, start=m + 5)
m = len(out)
os.write(fd, b"\x1b[A")  # Up: the guest's line editor shows the last line again
rep["recalled"] = read_until(b"Once upon a time", timeout=60, start=m)
os.write(fd, b"\x03")  # dropped unsent
read_until(b"^C\r\n> ", timeout=60, start=m)  # the whole echo and the next prompt, before QEMU stops
os.write(fd, b"\x1d")
while True:
    try:
        c = os.read(fd, 65536)
        if not c: break
        out += c
    except OSError: break
_, st = os.waitpid(pid, 0)
rep["exit"] = os.waitstatus_to_exitcode(st)
rep["after"] = modes()
rep["esc"] = b"\x1b[" in out
rep["crcrlf"] = b"\r\r\n" in out
rep["transcript"] = out.decode("utf8","replace")
print(json.dumps(rep, indent=1))
