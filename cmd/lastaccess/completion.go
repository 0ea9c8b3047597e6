package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"lastaccess/engine"
)

// `lastaccess completion bash|zsh|fish` prints a completion script made
// from the command table: the commands, each command's flags (read from
// the command, as help reads them) and the values of enumerated flags.
// The scripts are static, so a TAB never starts lastaccess (whose start-up
// is dominated by go-mysql-server's initialisation).

// completionModel is what every script needs.
type completionModel struct {
	// words maps a command path prefix ("", "iam", "help") to the words
	// that may follow it.
	words map[string][]string
	// leaves maps a command's path to its flags and whether its
	// positional arguments are files.
	leaves map[string]completionLeaf
	// values maps a flag to its values; fileFlags take a path.
	values    map[string][]string
	fileFlags []string
	// valueFlags are the flags that take a value (skipped with it when
	// the command path is read from the line).
	valueFlags []string
}

type completionLeaf struct {
	flags []string
	files bool
}

func buildCompletionModel(ctx context.Context, env *env) completionModel {
	m := completionModel{words: map[string][]string{}, leaves: map[string]completionLeaf{},
		values: map[string][]string{
			"output": outputFormats, "color": {"on", "off", "auto"},
			"sort-key":    shapeEnum(engine.OpGetOrganizationsAccessReport, "SortKey"),
			"granularity": shapeEnum(engine.OpGenerateServiceLastAccessedDetails, "Granularity"),
		},
		fileFlags: []string{"data", "cli-input-json", "aws-cli"},
	}
	add := func(prefix, word string) {
		if !contains(m.words[prefix], word) {
			m.words[prefix] = append(m.words[prefix], word)
		}
	}
	valueFlags := map[string]bool{}
	cmds := commandTable()
	for _, c := range cmds {
		words := strings.Fields(c.path)
		for i, w := range words {
			add(strings.Join(words[:i], " "), w)
			add(strings.TrimSpace("help "+strings.Join(words[:i], " ")), w)
		}
		fs := commandFlags(ctx, env, c)
		var flags []string
		fs.VisitAll(func(f *flag.Flag) {
			flags = append(flags, "--"+f.Name)
			if flagArgName(f) != "" {
				valueFlags[f.Name] = true
			}
		})
		m.leaves[c.path] = completionLeaf{flags: flags, files: strings.ContainsAny(c.args, "FP") && c.path != "help"}
	}
	m.words["completion"] = []string{"bash", "zsh", "fish"}
	for f := range valueFlags {
		m.valueFlags = append(m.valueFlags, "--"+f)
	}
	sort.Strings(m.valueFlags)
	return m
}

func shapeEnum(op, member string) []string {
	for _, s := range engine.InputShapes(op) {
		if s.Member == member {
			return s.Enum
		}
	}
	return nil
}

func runCompletion(ctx context.Context, env *env, args []string) error {
	pos, err := parseFlags(env.newFlagSet("completion"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("completion needs one shell: bash, zsh or fish")
	}
	m := buildCompletionModel(ctx, env)
	switch pos[0] {
	case "bash":
		writeBashCompletion(env.stdout, m)
	case "zsh":
		io.WriteString(env.stdout, "#compdef lastaccess\n# lastaccess completion for zsh: source <(lastaccess completion zsh), or save as _lastaccess in $fpath\nautoload -U +X bashcompinit && bashcompinit\n")
		writeBashCompletion(env.stdout, m)
	case "fish":
		writeFishCompletion(env.stdout, m)
	default:
		return usageErrorf("completion: unknown shell %q (bash, zsh or fish)", pos[0])
	}
	return nil
}

func writeBashCompletion(w io.Writer, m completionModel) {
	var b strings.Builder
	b.WriteString("# lastaccess completion for bash: source <(lastaccess completion bash)\n_lastaccess() {\n")
	b.WriteString("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n    case \"$prev\" in\n")
	for _, f := range slices.Sorted(maps.Keys(m.values)) {
		fmt.Fprintf(&b, "        --%s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return;;\n", f, strings.Join(m.values[f], " "))
	}
	fmt.Fprintf(&b, "        --%s) COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n", strings.Join(m.fileFlags, "|--"))
	fmt.Fprintf(&b, "        %s) return;;\n    esac\n", strings.Join(m.valueFlags, "|"))
	b.WriteString("    local cmdpath=\"\" i w skip=0\n    for ((i=1; i<COMP_CWORD; i++)); do\n        w=\"${COMP_WORDS[i]}\"\n")
	b.WriteString("        if ((skip)); then skip=0; continue; fi\n        case \"$w\" in\n")
	fmt.Fprintf(&b, "            %s) skip=1;;\n            -*) ;;\n            *) cmdpath=\"${cmdpath:+$cmdpath }$w\";;\n        esac\n    done\n", strings.Join(m.valueFlags, "|"))
	b.WriteString("    local words=\"\" files=0\n    case \"$cmdpath\" in\n")
	for _, p := range slices.Sorted(maps.Keys(m.leaves)) {
		leaf := m.leaves[p]
		words := leaf.flags
		if sub, ok := m.words[p]; ok {
			words = append(append([]string{}, sub...), words...)
		}
		files := 0
		if leaf.files {
			files = 1
		}
		fmt.Fprintf(&b, "        %q|%q) words=%q; files=%d;;\n", p, p+" "+"*", strings.Join(words, " "), files)
	}
	for _, p := range slices.Sorted(maps.Keys(m.words)) {
		if _, leaf := m.leaves[p]; !leaf {
			fmt.Fprintf(&b, "        %q) words=%q;;\n", p, strings.Join(m.words[p], " "))
		}
	}
	b.WriteString("    esac\n    if [[ $files -eq 1 && \"$cur\" != -* ]]; then\n        COMPREPLY=($(compgen -f -- \"$cur\"))\n    else\n        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n    fi\n}\ncomplete -o default -F _lastaccess lastaccess\n")
	io.WriteString(w, b.String())
}

func writeFishCompletion(w io.Writer, m completionModel) {
	var b strings.Builder
	b.WriteString("# lastaccess completion for fish: lastaccess completion fish | source\n")
	b.WriteString("function __lastaccess_path\n    set -l words (commandline -opc)\n    set -e words[1]\n    set -l path\n    set -l skip 0\n    for w in $words\n")
	b.WriteString("        if test $skip -eq 1\n            set skip 0\n            continue\n        end\n        switch $w\n")
	fmt.Fprintf(&b, "            case %s\n                set skip 1\n            case '-*'\n            case '*'\n                set -a path $w\n        end\n    end\n    string join ' ' -- $path\nend\n", strings.Join(m.valueFlags, " "))
	b.WriteString("complete -c lastaccess -f\n")
	for _, name := range []string{"data", "now", "output", "query", "color", "no-paginate"} {
		opt := " -x"
		if vals, ok := m.values[name]; ok {
			opt = fmt.Sprintf(" -x -a %q", strings.Join(vals, " "))
		} else if name == "data" {
			opt = " -r -F"
		} else if name == "no-paginate" {
			opt = ""
		}
		fmt.Fprintf(&b, "complete -c lastaccess -l %s%s\n", name, opt)
	}
	for _, p := range slices.Sorted(maps.Keys(m.words)) {
		fmt.Fprintf(&b, "complete -c lastaccess -n 'test \"$(__lastaccess_path)\" = %q' -a %q\n", p, strings.Join(m.words[p], " "))
	}
	for _, p := range slices.Sorted(maps.Keys(m.leaves)) {
		leaf := m.leaves[p]
		cond := fmt.Sprintf("string match -q -- %q (__lastaccess_path); or string match -q -- %q (__lastaccess_path)", p, p+" *")
		if leaf.files {
			fmt.Fprintf(&b, "complete -c lastaccess -n '%s' -F\n", cond)
		}
		for _, f := range leaf.flags {
			name := strings.TrimPrefix(f, "--")
			if globalFlagNames[name] {
				continue
			}
			opt := ""
			if vals, ok := m.values[name]; ok {
				opt = fmt.Sprintf(" -x -a %q", strings.Join(vals, " "))
			} else if contains(m.fileFlags, name) {
				opt = " -r -F"
			} else if contains(m.valueFlags, f) {
				opt = " -x"
			}
			fmt.Fprintf(&b, "complete -c lastaccess -n '%s' -l %s%s\n", cond, name, opt)
		}
	}
	io.WriteString(w, b.String())
}
