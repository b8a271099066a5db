// Node child_process IPC baseline: every message from the parent goes straight back
// (fork's default 'json' serialization).
process.on('message', (message) => process.send(message));
process.send({ ready: true });
