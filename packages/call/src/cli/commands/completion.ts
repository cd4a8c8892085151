import { UsageError } from '@mcp-cli/core';

/**
 * `completion bash|zsh|fish`: a script that completes meta commands, global flags, tool names,
 * each tool's own flags and the values of a flag with fixed ones (an enum, a boolean). Tools are asked of the server (`mcp-call tools --cached`, so MCP_URL or
 * the config applies, and a list at most 5 minutes old answers without connecting).
 *
 * @throws UsageError for another shell.
 */
export function completionScript(shell: string, metaCommands: string[], globalFlags: string[]): string {
  const META = metaCommands.join(' ');
  const GLOBALS = [...globalFlags, '--help', '--version'].join(' ');
  const ASK = '--cached --quiet --timeout 3 2>/dev/null';
  switch (shell) {
    case 'bash':
      return `# mcp-call bash completion: eval "$(mcp-call completion bash)"
_mcp_call() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  COMPREPLY=()
  local meta=" ${META} "
  local prev=\${COMP_WORDS[COMP_CWORD-1]}
  if [[ $cur != -* && $COMP_CWORD -ge 3 && $prev == --* && $meta != *" \${COMP_WORDS[1]} "* ]]; then
    _mcp_call_match "$cur" "$(mcp-call tools --values "\${COMP_WORDS[1]}" --flag "$prev" ${ASK})"
  elif [[ $cur == -* ]]; then
    local flags=""
    if [[ $COMP_CWORD -ge 2 && $meta != *" \${COMP_WORDS[1]} "* ]]; then
      flags=$(mcp-call tools --flags "\${COMP_WORDS[1]}" ${ASK})
    fi
    _mcp_call_match "$cur" ${GLOBALS} "$flags"
  elif [[ $COMP_CWORD -eq 1 ]]; then
    _mcp_call_match "$cur" ${META} "$(mcp-call tools --names ${ASK})"
  fi
}
# Server text is matched as plain strings, one per line, never given to compgen -W (which expands
# it again, so a tool named $(cmd) would run cmd).
_mcp_call_match() {
  local cur=$1 word line
  shift
  for word in "$@"; do
    while IFS= read -r line; do
      [[ -n $line && $line == "$cur"* ]] && COMPREPLY+=("$line")
    done <<< "$word"
  done
}
complete -F _mcp_call mcp-call
`;
    case 'zsh':
      return `#compdef mcp-call
# mcp-call zsh completion: eval "$(mcp-call completion zsh)"
_mcp_call() {
  local -a candidates
  if [[ $CURRENT -eq 2 && $PREFIX != -* ]]; then
    candidates=(${META} \${(f)"$(mcp-call tools --names ${ASK})"})
  elif [[ $PREFIX != -* && $CURRENT -gt 3 && \${words[CURRENT-1]} == --* && " ${META} " != *" \${words[2]} "* ]]; then
    candidates=(\${(f)"$(mcp-call tools --values "\${words[2]}" --flag "\${words[CURRENT-1]}" ${ASK})"})
  elif [[ $PREFIX == -* && $CURRENT -gt 2 && " ${META} " != *" \${words[2]} "* ]]; then
    candidates=(${GLOBALS} \${(f)"$(mcp-call tools --flags "\${words[2]}" ${ASK})"})
  else
    candidates=(${GLOBALS})
  fi
  compadd -a candidates
}
compdef _mcp_call mcp-call
`;
    case 'fish':
      return `# mcp-call fish completion: mcp-call completion fish | source
complete -c mcp-call -f
complete -c mcp-call -n '__fish_is_first_arg' -a '${META}'
complete -c mcp-call -n '__fish_is_first_arg' -a '(mcp-call tools --names ${ASK})'
complete -c mcp-call -n 'not __fish_is_first_arg; and not string match -q -- "--*" (commandline -opc)[-1]' -a '(mcp-call tools --flags (commandline -opc)[2] ${ASK})'
complete -c mcp-call -n 'not __fish_is_first_arg; and string match -q -- "--*" (commandline -opc)[-1]' -a '(mcp-call tools --values (commandline -opc)[2] --flag (commandline -opc)[-1] ${ASK})'
${GLOBALS.split(' ').map((f) => `complete -c mcp-call -l ${f.slice(2)}`).join('\n')}
`;
    default:
      throw new UsageError(`Unknown shell "${shell}": use bash, zsh or fish`, 'E_USAGE');
  }
}
