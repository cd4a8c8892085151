import { UsageError } from '@mcp-cli/core';

const META = 'tools resources read prompts prompt ping info batch watch completion call';
const GLOBALS = '--url --server --transport --header --token --timeout --wait --json --args --tool --out-dir --elicit --sampling-command --quiet --verbose --help --version';

/**
 * `completion bash|zsh|fish`: a script that completes meta commands, global flags, and tool
 * names (asked of the server with `mcp-call tools --names`, so MCP_URL or the config applies).
 *
 * @throws UsageError for another shell.
 */
export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash':
      return `# mcp-call bash completion: eval "$(mcp-call completion bash)"
_mcp_call() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${GLOBALS}" -- "$cur"))
  elif [[ $COMP_CWORD -eq 1 ]]; then
    local tools=$(mcp-call tools --names --quiet --timeout 3 2>/dev/null)
    COMPREPLY=($(compgen -W "${META} $tools" -- "$cur"))
  fi
}
complete -F _mcp_call mcp-call
`;
    case 'zsh':
      return `#compdef mcp-call
# mcp-call zsh completion: eval "$(mcp-call completion zsh)"
_mcp_call() {
  if [[ $CURRENT -eq 2 && $PREFIX != -* ]]; then
    local -a words
    words=(${META} \${(f)"$(mcp-call tools --names --quiet --timeout 3 2>/dev/null)"})
    compadd -a words
  else
    compadd -- ${GLOBALS}
  fi
}
compdef _mcp_call mcp-call
`;
    case 'fish':
      return `# mcp-call fish completion: mcp-call completion fish | source
complete -c mcp-call -f
complete -c mcp-call -n '__fish_is_first_arg' -a '${META}'
complete -c mcp-call -n '__fish_is_first_arg' -a '(mcp-call tools --names --quiet --timeout 3 2>/dev/null)'
${GLOBALS.split(' ').map((f) => `complete -c mcp-call -l ${f.slice(2)}`).join('\n')}
`;
    default:
      throw new UsageError(`Unknown shell "${shell}": use bash, zsh or fish`, 'E_USAGE');
  }
}
