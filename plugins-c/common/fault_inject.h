/*
 * Faults on demand, for the isolation tests: a real crash (a write through
 * a NULL pointer: SIGSEGV) or a real hang, taken from a countdown file so
 * that a test decides how many times it happens across restarted processes.
 *
 * A countdown file holds a decimal number. pu_fault_take() decrements it
 * and returns 1 while it was above zero (under flock, so concurrent workers
 * and processes take each fault once), and 0 once it reached 0 or when the
 * file is missing.
 */
#ifndef FLB_FAULT_INJECT_H
#define FLB_FAULT_INJECT_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>
#include <fcntl.h>

static inline int pu_fault_take(const char *path)
{
    char text[32] = {0};
    ssize_t got;
    long left;
    int fd, taken = 0;

    if (path == NULL || *path == '\0') {
        return 0;
    }
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    if (flock(fd, LOCK_EX) == 0) {
        got = pread(fd, text, sizeof(text) - 1, 0);
        left = got > 0 ? strtol(text, NULL, 10) : 0;
        if (left > 0) {
            int n = snprintf(text, sizeof(text), "%ld\n", left - 1);
            if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) == n) {
                taken = 1;
            }
        }
        flock(fd, LOCK_UN);
    }
    close(fd);
    return taken;
}

/* SIGSEGV, the way a plugin bug produces it. */
static inline void pu_fault_crash(const char *who)
{
    fprintf(stderr, "%s: crashing on purpose (fault injection)\n", who);
    fflush(stderr);
    *(volatile int *)0 = 1;
}

/* Writes a well-framed but short "log" frame (type 66, one payload byte
 * where a log line needs at least 20) to `fd`, the way a stray write through
 * a corrupted pointer could land in a host's stream. */
static inline void pu_fault_scribble(int fd)
{
    static const unsigned char junk[] = {0x0a, 0x00, 0x00, 0x00, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0xee};
    if (write(fd, junk, sizeof(junk)) < 0) {
        /* nothing to do: the fault is best effort */
    }
}

/* Starts `sleep <seconds>` in the background: a helper process that
 * inherits every descriptor not marked close-on-exec (its stdin and stdout
 * go to /dev/null, so that it holds no test runner's output open; its
 * stderr is the plugin's). */
static inline void pu_fault_spawn_sleep(const char *seconds)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        execlp("sleep", "sleep", seconds, (char *)NULL);
        _exit(127);
    }
}

/* Never returns, the way a plugin stuck on a dead connection behaves. */
static inline void pu_fault_hang(void)
{
    for (;;) {
        pause();
    }
}

#endif
