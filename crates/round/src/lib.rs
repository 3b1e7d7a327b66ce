//! Competition definitions, the run plan, and judging a finished run into a record.
