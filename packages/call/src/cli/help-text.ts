/** The part of `mcp-call --help` after the options: meta commands, exit codes, examples. */
export const HELP_AFTER = `
Meta commands:
  tools [--json]             list tools with one-line descriptions (--json: full schemas)
  resources                  list resources and resource templates
  read <uri>                 read a resource
  prompts                    list prompts
  prompt <name> [--arg v]    get a prompt, arguments as flags
  ping                       check that the server answers
  info                       server name, version, protocol version, capabilities
  batch [file|-]             JSON lines {"tool":…,"args":{…}} in, one JSON result line out
  watch <uri>                print a resource each time it changes, until Ctrl-C
  completion bash|zsh|fish   print a shell completion script
  call <tool> [flags]        call a tool whose name is also a meta command

Tool flags come from the tool's input schema: mcp-call <tool> --help lists them.
After "--", every flag belongs to the tool (for names that clash with global options).

Exit codes:
  0  success                 1  the tool returned isError
  2  usage error             3  connection, transport or protocol failure
  4  timeout                 130 interrupted (Ctrl-C)

Examples:
  mcp-call greet --name "Azure OpenAI"
  mcp-call --url http://localhost:8000/sse greet --name Ada
  mcp-call tools
  mcp-call greet --args '{"name":"Ada"}' --json | jq -r '.content[0].text'
  mcp-serve --port 8000 & mcp-call --wait 10 greet`;
