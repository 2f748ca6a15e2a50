// Preloaded (node --import) into the anomseer commands the tests start with a stdin pipe: when
// the test process dies, even by SIGKILL, its end of that pipe closes and the command exits
// too, so a killed test never leaves a training run behind. The roles do this themselves under
// ANOMSEER_EXIT_WITH_PARENT=1 (cli/launch/exit-with-parent.ts); `train`, `scale` and `status`
// do not. Only for children whose stdin is a pipe the test holds open.
process.stdin.on('error', () => {});
process.stdin.on('close', () => process.exit(1));
process.stdin.resume();
// stdin must not keep the process alive on its own
process.stdin.unref?.();
