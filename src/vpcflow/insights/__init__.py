"""The CloudWatch Logs Insights query language, compiled to SQL (spec/logs-insights.md).

Stages, one module each, in the shape of SQLGlot:

- ``tokens``: a lazy lexer (``/`` is a regex only where an operand is expected);
- ``parser``: recursive descent into the typed AST of ``ast`` (precedence of
  spec §3.1), with the ``functions`` table and ``periods`` units;
- ``transforms``: AST lowerings (glob ``parse`` -> RE2 regex, group names);
- ``compiler`` + ``expressions``: the pipeline of commands becomes one SQLGlot
  SELECT tree, typed per spec §3 (two-valued logic, numeric coercion, natural
  sort); ``dialects`` holds the overridable SQL building blocks (DuckDB now);
- ``api``: ``vpcflow.query`` (PyArrow table) and ``run_query`` (rows,
  statistics, truncation) over ``vpcflow.engines.duckdb``; ``results`` renders
  them; ``saved`` holds the saved queries; ``timerange`` parses ``--start``/``--end``.
"""
