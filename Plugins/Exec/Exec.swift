// Module Exec.
