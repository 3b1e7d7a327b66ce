//! Runs one solver invocation under MISC limits in a sandbox, measures it and kills its whole process tree.
