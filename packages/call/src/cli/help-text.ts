/** The part of `mcp-call --help` after the commands: tool flags, exit codes, examples. */
export const HELP_AFTER = `
Tool flags come from the tool's input schema: mcp-call <tool> --help lists
them, and mcp-call prompt <name> --help a prompt's. After "--", every flag
belongs to the tool (for names that clash with global options). A URL given
first is the server: mcp-call URL <tool>.

Exit codes:
  0  success                 1  the tool returned isError
  2  usage error             3  connection, transport or protocol failure
  4  timeout                 70 internal error (please report it)
  130 interrupted (Ctrl-C or SIGTERM)

Examples:
  mcp-call greet --name "Azure OpenAI"
  mcp-call http://localhost:8000/sse greet --name Ada
  mcp-call tools
  mcp-call greet --args '{"name":"Ada"}' --json | jq -r '.content[0].text'
  mcp-call --wait 10 greet              # retry while the server starts`;
