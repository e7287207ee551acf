#!/usr/bin/env bash
# A real Backprop.Lab cluster on this machine: redis-server (membership + SweepGrain storage, append-only) and
# N `lab silo --redis` processes, all on 127.0.0.1. See deploy/README.md.
#
#   deploy/local-cluster.sh up [N]    start redis and N silos (default 2), wait until every silo is up
#   deploy/local-cluster.sh status    what runs, from the pid files
#   deploy/local-cluster.sh down      stop the silos (SIGTERM, then SIGKILL), then redis
#
# Environment (all optional):
#   CLUSTER_DIR        state folder: pid files, logs, redis data (default deploy/.cluster)
#   REDIS_PORT         redis port on 127.0.0.1 (default 6379)
#   SILO_PORT_BASE     silo i uses silo port SILO_PORT_BASE+i (default 11111)
#   GATEWAY_PORT_BASE  and gateway port GATEWAY_PORT_BASE+i (default 30000)
#   TRIALS_PER_SILO    --parallel (-j) for each silo (default: lab's, one per core)
#   LAB_DLL            a built lab.dll to run; unset: `dotnet build -c Release src/Backprop.Lab.Cli` once
#   LAB_REDIS_PASSWORD if set, redis requires it and the silos use it; it is never echoed or written to disk
#   START_TIMEOUT      seconds to wait for redis and for each silo to come up (default 120)
#   STOP_TIMEOUT       seconds a silo or redis gets after SIGTERM before SIGKILL (default 30)
# The silos also read LAB_Cluster__ClusterId, LAB_Cluster__ServiceId and LAB_Cluster__Membership__* like any `lab`.
# They authenticate with your cluster certificate (~/.config/backprop-lab/cluster.pfx, created on first use), so a
# `lab sweep --redis` of yours joins them and another user's does not.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
cluster_dir="${CLUSTER_DIR:-$script_dir/.cluster}"
redis_port="${REDIS_PORT:-6379}"
silo_port_base="${SILO_PORT_BASE:-11111}"
gateway_port_base="${GATEWAY_PORT_BASE:-30000}"
start_timeout="${START_TIMEOUT:-120}"
stop_timeout="${STOP_TIMEOUT:-30}"

die() {
    echo "local-cluster: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 up [N] | status | down" >&2
    exit 2
}

is_count() {
    [[ "$1" =~ ^[1-9][0-9]*$ ]]
}

check_settings() {
    local name value
    for name in REDIS_PORT SILO_PORT_BASE GATEWAY_PORT_BASE START_TIMEOUT STOP_TIMEOUT; do
        case "$name" in
            REDIS_PORT) value="$redis_port" ;;
            SILO_PORT_BASE) value="$silo_port_base" ;;
            GATEWAY_PORT_BASE) value="$gateway_port_base" ;;
            START_TIMEOUT) value="$start_timeout" ;;
            STOP_TIMEOUT) value="$stop_timeout" ;;
        esac
        is_count "$value" || die "$name must be a positive whole number, got \"$value\""
    done
    if [[ -n "${TRIALS_PER_SILO:-}" ]] && ! is_count "$TRIALS_PER_SILO"; then
        die "TRIALS_PER_SILO must be a positive whole number, got \"$TRIALS_PER_SILO\""
    fi
}

# True when something accepts connections on 127.0.0.1:$1 (a listener on 0.0.0.0 counts too).
listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while process $1 runs (an exited process not yet reaped, a zombie, does not).
running() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ "${stat##*) }" != Z* ]]
}

# True when pid file $1 names a running process of ours: a pid the OS reused for something else does not count
# (the command line must still name redis-server or lab.dll).
alive() {
    local pid
    [[ -f "$1" ]] || return 1
    pid="$(<"$1")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    running "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -Eq 'redis-server|lab\.dll'
}

pid_files() {
    shopt -s nullglob
    local files=("$cluster_dir"/silo-*.pid "$cluster_dir"/redis.pid)
    shopt -u nullglob
    printf '%s\n' "${files[@]}"
}

redis_cli() {
    # REDISCLI_AUTH keeps the password off the command line (ps) and out of the terminal.
    REDISCLI_AUTH="${LAB_REDIS_PASSWORD:-}" redis-cli -h 127.0.0.1 -p "$redis_port" "$@"
}

# SIGTERM to every live process of the given pid files at once, then SIGKILL whatever is left after STOP_TIMEOUT.
stop_all() {
    local file pid deadline left
    local -a pids=()
    for file in "$@"; do
        if alive "$file"; then
            pid="$(<"$file")"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    deadline=$((SECONDS + stop_timeout))
    while :; do
        left=()
        for pid in "${pids[@]}"; do
            running "$pid" && left+=("$pid")
        done
        ((${#left[@]} == 0)) && break
        if ((SECONDS >= deadline)); then
            echo "local-cluster: pid ${left[*]} still running ${stop_timeout} s after SIGTERM: SIGKILL" >&2
            kill -KILL "${left[@]}" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$@"
}

down() {
    local -a silos=()
    local file
    shopt -s nullglob
    silos=("$cluster_dir"/silo-*.pid)
    shopt -u nullglob
    if ((${#silos[@]} == 0)) && [[ ! -f "$cluster_dir/redis.pid" ]]; then
        echo "local cluster is not up (no pid files in $cluster_dir)"
        return 0
    fi
    # Silos first: a silo whose Redis is already gone can hang on SIGTERM while it tries to leave the membership table.
    if ((${#silos[@]} > 0)); then
        echo "stopping ${#silos[@]} silo(s)"
        stop_all "${silos[@]}"
    fi
    for file in "$cluster_dir"/silo-*.ports; do
        [[ -e "$file" ]] && rm -f "$file"
    done
    if [[ -f "$cluster_dir/redis.pid" ]]; then
        echo "stopping redis (its data stays in $cluster_dir/redis)"
        # SIGTERM makes redis flush its append-only file and exit, like SHUTDOWN, without needing the password.
        stop_all "$cluster_dir/redis.pid"
    fi
    rm -f "$cluster_dir/redis.port"
    echo "local cluster is down"
}

status() {
    local file name pid ports port any=0 dead=0
    if [[ -f "$cluster_dir/redis.pid" ]]; then
        any=1
        port="$(cat "$cluster_dir/redis.port" 2>/dev/null || echo "?")"
        if alive "$cluster_dir/redis.pid"; then
            echo "redis   pid $(<"$cluster_dir/redis.pid")  127.0.0.1:$port  running"
        else
            echo "redis   pid $(<"$cluster_dir/redis.pid")  127.0.0.1:$port  NOT RUNNING"
            dead=1
        fi
    fi
    shopt -s nullglob
    for file in "$cluster_dir"/silo-*.pid; do
        any=1
        name="$(basename "$file" .pid)"
        pid="$(<"$file")"
        ports="$(cat "$cluster_dir/$name.ports" 2>/dev/null || echo "? ?")"
        read -r silo_port gateway_port <<<"$ports"
        if alive "$file"; then
            echo "$name  pid $pid  silo 127.0.0.1:$silo_port  gateway 127.0.0.1:$gateway_port  running (log $cluster_dir/$name.out)"
        else
            echo "$name  pid $pid  silo 127.0.0.1:$silo_port  gateway 127.0.0.1:$gateway_port  NOT RUNNING (see $cluster_dir/$name.out)"
            dead=1
        fi
    done
    shopt -u nullglob
    if ((any == 0)); then
        echo "local cluster is not up ($cluster_dir has no pid files)"
        return 3
    fi
    return $((dead == 0 ? 0 : 1))
}

# Waits until file $2 has a line starting with $3 while pid file $1's process lives; fails with its output. The process
# was started just now, so its pid is checked with running, not alive: until env and setsid have exec'd into dotnet
# (a while on a loaded machine) its command line does not yet name lab.dll, and alive would call it gone.
wait_for_line() {
    local pid_file="$1" out="$2" text="$3" what="$4" deadline=$((SECONDS + start_timeout))
    until grep -q "^$text" "$out" 2>/dev/null; do
        if ! running "$(<"$pid_file")"; then
            echo "local-cluster: $what exited before it was up; its output ($out):" >&2
            tail -n 30 "$out" >&2 || true
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "local-cluster: $what was not up after $start_timeout s (START_TIMEOUT); its output ($out):" >&2
            tail -n 30 "$out" >&2 || true
            return 1
        fi
        sleep 0.2
    done
}

up() {
    local count="${1:-2}" file i silo_port gateway_port deadline lab_dll password_note="" id_flags=""
    local -a ports=() silo_args=()
    is_count "$count" || die "up takes the number of silos (a positive whole number), got \"$count\""
    command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"
    command -v redis-cli >/dev/null || die "redis-cli is not installed (apt-get install redis-tools)"
    command -v dotnet >/dev/null || die "dotnet is not on the PATH"

    mkdir -p "$cluster_dir"
    cluster_dir="$(cd "$cluster_dir" && pwd)"
    while read -r file; do
        [[ -n "$file" ]] || continue
        if alive "$file"; then
            die "already up ($(basename "$file" .pid) runs as pid $(<"$file"), state in $cluster_dir): see \`$0 status\`, or \`$0 down\` first"
        fi
        rm -f "$file" # stale: its process is gone (a reboot, a kill)
    done < <(pid_files)

    ports=("$redis_port")
    for ((i = 0; i < count; i++)); do
        ports+=("$((silo_port_base + i))" "$((gateway_port_base + i))")
    done
    if [[ "$(printf '%s\n' "${ports[@]}" | sort | uniq -d)" != "" ]]; then
        die "REDIS_PORT, SILO_PORT_BASE and GATEWAY_PORT_BASE give overlapping ports for $count silos: ${ports[*]}"
    fi
    for i in "${ports[@]}"; do
        ((i <= 65535)) || die "port $i is above 65535: lower SILO_PORT_BASE or GATEWAY_PORT_BASE"
        # Checked here because a second silo on a port another silo listens on does not fail: Orleans' listener
        # shares the port (SO_REUSEPORT) and the two processes split the connections.
        listening "$i" && die "port $i on 127.0.0.1 is in use: stop what uses it or set REDIS_PORT / SILO_PORT_BASE / GATEWAY_PORT_BASE"
    done
    if [[ "${LAB_REDIS_PASSWORD:-}" == *$'\n'* ]]; then
        die "LAB_REDIS_PASSWORD must be one line"
    fi

    if [[ -n "${LAB_DLL:-}" ]]; then
        lab_dll="$LAB_DLL"
        [[ -f "$lab_dll" ]] || die "LAB_DLL=$lab_dll does not exist"
    else
        echo "building lab (Release), log in $cluster_dir/build.log"
        dotnet build -c Release "$repo_root/src/Backprop.Lab.Cli" -nologo >"$cluster_dir/build.log" 2>&1 \
            || { tail -n 30 "$cluster_dir/build.log" >&2; die "dotnet build failed (full log $cluster_dir/build.log)"; }
        lab_dll="$repo_root/src/Backprop.Lab.Cli/bin/Release/net10.0/lab.dll"
    fi

    # From here on, a failure stops whatever was started.
    trap 'echo "local-cluster: up failed; stopping what was started" >&2; down >&2' ERR
    trap 'echo "local-cluster: interrupted; stopping what was started" >&2; down >&2; exit 130' INT TERM
    set -E

    mkdir -p "$cluster_dir/redis"
    echo "$redis_port" >"$cluster_dir/redis.port"
    # The password reaches redis as configuration on stdin: not on its command line (ps), not in a file.
    local escaped="${LAB_REDIS_PASSWORD:-}"
    escaped="${escaped//\\/\\\\}"
    escaped="${escaped//\"/\\\"}"
    local redis_config=""
    [[ -n "${LAB_REDIS_PASSWORD:-}" ]] && redis_config="requirepass \"$escaped\""
    # setsid: the cluster outlives this script and a Ctrl+C in the terminal that started it.
    setsid redis-server - --bind 127.0.0.1 --port "$redis_port" --protected-mode yes --dir "$cluster_dir/redis" \
        --appendonly yes --save "" --daemonize no --logfile "$cluster_dir/redis/redis.log" \
        <<<"$redis_config" >"$cluster_dir/redis/redis.out" 2>&1 &
    echo $! >"$cluster_dir/redis.pid"
    deadline=$((SECONDS + start_timeout))
    until [[ "$(redis_cli ping 2>/dev/null)" == "PONG" ]]; do
        if ! alive "$cluster_dir/redis.pid" || ((SECONDS >= deadline)); then
            echo "local-cluster: redis-server did not answer PING on 127.0.0.1:$redis_port; its log:" >&2
            # A configuration error quotes the offending line, which may be the password's.
            cat "$cluster_dir/redis/redis.out" "$cluster_dir/redis/redis.log" 2>/dev/null | tail -n 20 | grep -vF requirepass >&2 || true
            false
        fi
        sleep 0.1
    done
    echo "redis up on 127.0.0.1:$redis_port (pid $(<"$cluster_dir/redis.pid"), append-only data in $cluster_dir/redis)"

    for ((i = 0; i < count; i++)); do
        silo_port=$((silo_port_base + i))
        gateway_port=$((gateway_port_base + i))
        silo_args=(silo --redis "127.0.0.1:$redis_port" --address 127.0.0.1 --silo-port "$silo_port"
            --gateway-port "$gateway_port" --log "$cluster_dir/silo-$i.jsonl")
        [[ -n "${TRIALS_PER_SILO:-}" ]] && silo_args+=(--parallel "$TRIALS_PER_SILO")
        rm -f "$cluster_dir/silo-$i.jsonl"
        : >"$cluster_dir/silo-$i.out" # emptied here, so an earlier run's "silo up:" cannot be read as this one's
        # An advertised address from the environment would point the others away from 127.0.0.1.
        env -u LAB_Cluster__AdvertisedAddress setsid dotnet "$lab_dll" "${silo_args[@]}" \
            </dev/null >"$cluster_dir/silo-$i.out" 2>&1 &
        echo $! >"$cluster_dir/silo-$i.pid"
        echo "$silo_port $gateway_port" >"$cluster_dir/silo-$i.ports"
    done
    for ((i = 0; i < count; i++)); do
        wait_for_line "$cluster_dir/silo-$i.pid" "$cluster_dir/silo-$i.out" "silo up:" "silo $i"
        echo "silo $i up: silo port 127.0.0.1:$((silo_port_base + i)), gateway 127.0.0.1:$((gateway_port_base + i)) (pid $(<"$cluster_dir/silo-$i.pid"), log $cluster_dir/silo-$i.out)"
    done
    trap - ERR INT TERM

    [[ -n "${LAB_REDIS_PASSWORD:-}" ]] && password_note=" (with the same LAB_REDIS_PASSWORD exported)"
    [[ -n "${LAB_Cluster__ClusterId:-}" ]] && id_flags+=" --cluster-id ${LAB_Cluster__ClusterId}"
    [[ -n "${LAB_Cluster__ServiceId:-}" ]] && id_flags+=" --service-id ${LAB_Cluster__ServiceId}"
    echo
    echo "local cluster up: redis 127.0.0.1:$redis_port and $count silo(s), state in $cluster_dir"
    echo "run a sweep on it$password_note:"
    echo "  dotnet $lab_dll sweep $repo_root/experiments/quickstart.json --redis 127.0.0.1:$redis_port$id_flags --out results/quickstart"
    echo "stop it: $0 down   (status: $0 status)"
}

check_settings
case "${1:-}" in
    up)
        (($# <= 2)) || usage
        up "${2:-2}"
        ;;
    down)
        (($# == 1)) || usage
        down
        ;;
    status)
        (($# == 1)) || usage
        status
        ;;
    *) usage ;;
esac
