extension ExecChannel {
    /// The channel's keys, as a commented configuration section (also in Plugins/Exec/README.md).
    public static let sampleConfig = """
        # An external program, any language, over the JSON protocol of docs/exec-protocol.md.
        exec-archive:
          type: exec
          command: scripts/exec-example.py   # required; relative to this file's folder; must be executable
          args: ["--out", "/var/lib/cchcd/archive.jsonl"]   # optional arguments
          env:                               # optional; added to PATH, LANG=C.UTF-8 and CCHC_CHANNEL
            ARCHIVE_MODE: "append"
          working_dir: /var/lib/cchcd        # optional; default: the daemon's folder
          timeout: 60s                       # default 60s; then SIGTERM to the process group, SIGKILL 2s later
          idempotent: false                  # true only when the program never publishes an item twice
                                             # (it deduplicates on delivery_id or item.id)
        """
}
