# bash completion for kafka-chat: producer_chat, consumer_chat and kafka-chat.
#
# `make install` puts this file in share/bash-completion/completions/ under
# each program's name, where bash-completion loads it on first use; or
# source it from ~/.bashrc:  . /path/to/kafka-chat/completion/kafka-chat.bash
#
# It completes each program's options (long and short), the values of
# --escape and --color (auto always never) and -o (stored beginning end),
# file names for -F/--config and --key-file, and librdkafka property names
# for -X (from `PROGRAM -X list`, run once per program and shell).
# Free-form arguments (brokers, topics, groups, names, words, numbers) get
# nothing. It needs only bash 4.2, not the bash-completion package.
#
# The options follow the table in common/options.c (tests/e2e/
# test_packaging.py checks them against each program's --help).

# Property names cached per command as typed, for this shell.
declare -gA _kafka_chat_property_cache

# The options of program $1 (a base name), one space between each.
_kafka_chat_options()
{
    local -a opts=(-b --bootstrap-server -t --topic -F --config -X --timeout
                   --key-file -v --verbose -q --quiet -h --help -V --version)
    case $1 in
    producer_chat)
        opts+=(-p --partition --name) ;;
    consumer_chat)
        opts+=(-g --group -o --offset --since --commit -c --count
               -e --exit-at-end --idle-timeout --json --escape --color) ;;
    kafka-chat)
        opts+=(-p --partition -g --group --name --history --room-prefix --color
               --highlight --no-bell --encrypted) ;;
    *)
        return ;;
    esac
    echo "${opts[*]}"
}

# Whether option $1 takes an argument (in any of the programs).
_kafka_chat_takes_argument()
{
    case $1 in
    -b | --bootstrap-server | -t | --topic | -p | --partition | -g | --group | \
    --name | --history | --room-prefix | -o | --offset | --since | -c | --count | \
    --idle-timeout | -F | --config | -X | --timeout | --escape | --color | --highlight | \
    --key-file)
        return 0 ;;
    esac
    return 1
}

# librdkafka's property names, from `$1 -X list` (the first column of its
# tables), those that apply to program $2 (C/P column: '*', or C for
# consumer_chat, P for producer_chat; kafka-chat runs both). Cached per shell.
_kafka_chat_properties()
{
    local cmd=$1 prog=$2 key
    [[ $cmd == \~/* ]] && cmd=$HOME/${cmd#\~/}
    key="$cmd"$'\t'"$prog"
    if [[ -z ${_kafka_chat_property_cache[$key]} ]]; then
        # Not cached when empty: the program may not be built or found yet.
        _kafka_chat_property_cache[$key]=$(
            "$cmd" -X list 2>/dev/null </dev/null |
                awk -F'|' -v prog="$prog" '
                    NF >= 3 && $1 ~ /^[a-z][a-z0-9._-]* *$/ {
                        name = $1; sub(/ +$/, "", name)
                        cp = $2; gsub(/ /, "", cp)
                        if (prog == "kafka-chat" || cp == "*" ||
                            (prog == "consumer_chat" && cp == "C") ||
                            (prog == "producer_chat" && cp == "P"))
                            print name
                    }' | sort -u | tr '\n' ' ')
    fi
    echo "${_kafka_chat_property_cache[$key]}"
}

# Fills COMPREPLY for the argument $2 of option $1 of program $3 (command
# as typed: $4); $5 is put in front of each candidate (for -Xname, -ofoo).
_kafka_chat_argument()
{
    local opt=$1 cur=$2 prog=$3 cmd=$4 prefix=$5 word
    local -a words=()
    COMPREPLY=()
    # Not an option of this program: nothing to complete.
    [[ " $(_kafka_chat_options "$prog") " == *" $opt "* ]] || return
    case $opt in
    --escape | --color)
        words=(auto always never) ;;
    -o | --offset)
        words=(stored beginning end) ;;
    -F | --config | --key-file)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        [[ -n $prefix ]] && COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
        return ;;
    -X)
        # KEY=VALUE: complete the key, then leave the value alone.
        [[ $cur == *=* ]] && return
        COMPREPLY=()
        for word in $(compgen -W "$(_kafka_chat_properties "$cmd" "$prog")" -- "$cur"); do
            COMPREPLY+=("$prefix$word=")
        done
        if [[ list == "$cur"* ]]; then
            COMPREPLY+=("${prefix}list")
        fi
        # After KEY= the value follows at once.
        [[ ${#COMPREPLY[@]} -gt 0 && ${COMPREPLY[0]} == *= ]] &&
            compopt -o nospace 2>/dev/null
        return ;;
    esac
    # Anything else is free-form: brokers, topics, groups, names, numbers.
    for word in $(compgen -W "${words[*]}" -- "$cur"); do
        COMPREPLY+=("$prefix$word")
    done
}

_kafka_chat()
{
    local cmd=${COMP_WORDS[0]} prog=${COMP_WORDS[0]##*/}
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    local i opt
    COMPREPLY=()
    case $prog in
    producer_chat | consumer_chat | kafka-chat) ;;
    *) return 0 ;;
    esac
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

    # Nothing after "--": the programs take no operands.
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -- ]] && return 0
    done

    # bash splits words at '=' (COMP_WORDBREAKS): "--escape=al" arrives as
    # "--escape" "=" "al", and "--escape=" as "--escape" "=".
    if [[ $cur == = && $prev == --* ]]; then
        _kafka_chat_argument "$prev" "" "$prog" "$cmd" ""
        return 0
    fi
    if [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
        # Only a long option's value; "-X KEY=VALUE" leaves VALUE alone.
        [[ $opt == --* ]] && _kafka_chat_argument "$opt" "$cur" "$prog" "$cmd" ""
        return 0
    fi

    # The argument of the option before, unless that one is itself the
    # argument of an option ("-t -v": -v is a topic here).
    if [[ $prev == -* ]] && _kafka_chat_takes_argument "$prev"; then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
        if ! { ((COMP_CWORD >= 2)) && [[ $opt == -* ]] &&
               _kafka_chat_takes_argument "$opt"; }; then
            _kafka_chat_argument "$prev" "$cur" "$prog" "$cmd" ""
            return 0
        fi
    fi

    case $cur in
    --*=*)
        # Only when '=' is not a word break.
        _kafka_chat_argument "${cur%%=*}" "${cur#*=}" "$prog" "$cmd" "${cur%%=*}="
        ;;
    -[XFo]?*)
        # A short option glued to its argument: -Xkey, -Ffile, -obeginning.
        _kafka_chat_argument "${cur:0:2}" "${cur:2}" "$prog" "$cmd" "${cur:0:2}"
        ;;
    -* | '')
        # No operands, so an empty word gets the options too.
        mapfile -t COMPREPLY < <(compgen -W "$(_kafka_chat_options "$prog")" -- "$cur")
        ;;
    esac
    return 0
}

complete -F _kafka_chat producer_chat consumer_chat kafka-chat
