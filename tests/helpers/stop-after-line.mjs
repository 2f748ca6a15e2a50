// Preloaded (node --import) into a command a test must act on at one exact point: the first
// time the command writes a stdout line matching ANOMSEER_TEST_STOP_AFTER (a regular
// expression), it stops itself (SIGSTOP) right after the write. The test reads the line, waits
// until the process is stopped (isStopped in ./children.ts), does what it must at that
// point (e.g. sends SIGINT) and sends SIGCONT: however loaded the machine, the command has not
// moved on in between. process.stdout writes to a pipe synchronously on Linux, so the line is
// in the pipe before the process stops.
const pattern = process.env.ANOMSEER_TEST_STOP_AFTER;
if (pattern !== undefined && pattern !== '') {
  const re = new RegExp(pattern, 'm');
  const write = process.stdout.write.bind(process.stdout);
  let stopped = false;
  process.stdout.write = (chunk, ...rest) => {
    const ok = write(chunk, ...rest);
    if (!stopped && re.test(String(chunk))) {
      stopped = true;
      process.kill(process.pid, 'SIGSTOP');
    }
    return ok;
  };
}
