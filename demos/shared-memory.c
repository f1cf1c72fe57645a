/*
 * shared-memory.c - lesson: shared memory between processes, through sections.
 *
 * "Memory-mapped files ... [are] particularly useful for sharing data between processes."
 * A pagefile-backed section is a memory-mapped file without a file: two processes that map
 * it see the same physical pages.
 *
 * What you will see when you run it:
 *   1. A channel on a named section; the parent and a copy of itself (the child) exchange
 *      messages both ways; each reports the count and a checksum of what it received.
 *   2. The same physical data at different virtual addresses: two views in this process,
 *      and the child's view, each at its own address.
 *   3. Access control: a section whose descriptor grants FILE_MAP_READ only; the child's
 *      OpenFileMappingW for more is refused, for what it grants succeeds.
 *   4. A writer killed in the middle of a message: the reader detects the torn message
 *      (the abandoned mutex and the slot still marked "writing") and never uses it.
 *   5. SEC_RESERVE: a shared section's pages committed on demand.
 *   6. A child, given the section by handle inheritance, touches a page never committed.
 *   7. Names: Local\ against Global\, and what a squatter who takes a name first gets.
 *   8. No name at all: a section shared by handle inheritance, which nobody can squat.
 *
 * Run:  shared-memory [--json] [--messages=N] [--pause]
 * Docs: docs/shared-memory.md (every claim below has its evidence there, by its id)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_lesson.h"

#define LESSON_NAME "shared-memory"
#define LESSON_TITLE                                                                               \
    "Shared memory: one section, mapped by two processes, the same physical pages at each "        \
    "process's own addresses, guarded by a security descriptor and a mutex."

/* Step 1: messages each way, unless --messages says otherwise, and the most allowed. */
#define MESSAGES_DEFAULT 100
#define MESSAGES_MAXIMUM 100000

/* The largest message, in bytes: "parent 12345" and the like fit with room to spare. */
#define MESSAGE_CAPACITY 64

/* How long either end waits for the other before calling it lost. */
#define WAIT_MS 10000

/* The torn writer's exit code: it ends on purpose in the middle of a message. */
#define TORN_EXIT 3

/* Step 5: a section of this many allocation granularities, reserved. */
#define RESERVED_GRANULES 4

/* Step 7: what each side writes into the unnamed section. */
#define PARENT_MARK 0x50415245u
#define CHILD_MARK 0x4348494Cu

/* How Wine is recorded to differ (docs/deviations.md has the row). The claim that names it
 * checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t SEC_RESERVE_PAGES_ACCESSIBLE = {
    "wine-sec-reserve-pages-accessible",
    "The reserved, never committed pages of a SEC_RESERVE section's view can be read (as zero) "
    "and written without an access violation."};

/* What the command line sets, and what steps hand to the steps after them. */
typedef struct lesson_state_s
{
    uint64_t messages;            /* --messages: step 1's count each way */
    const wchar_t *name;          /* --name: the section or channel a child opens */
    const wchar_t *reply;         /* --reply: the exchange child's channel back */
    uint64_t handle;              /* --handle: the inherited section handle (step 7's child) */
    SYSTEM_INFO system;           /* page size and allocation granularity */
    wm_channel_t to_child;        /* steps 1-2: the parent's messages */
    wm_channel_t from_child;      /* steps 1-2: the child's answers */
    uint64_t child_view;          /* steps 1-2: where the child's view was */
    HANDLE reserved;              /* steps 5-6: the SEC_RESERVE section, inheritable */
    unsigned char *reserved_view; /* steps 5-6: this process's view of it */
} lesson_state_t;

/* What each child reports back (wm_child_report): plain structs, no parsing. */
typedef struct exchange_report_s
{
    uint64_t received; /* messages it received */
    uint32_t checksum; /* wm_checksum of what it received */
    uint64_t view;     /* its view's address */
    DWORD error;       /* 0, or why it stopped */
} exchange_report_t;

typedef struct access_report_s
{
    DWORD write_error; /* OpenFileMappingW(FILE_MAP_WRITE): 0 or its error */
    DWORD read_error;  /* OpenFileMappingW(FILE_MAP_READ) */
} access_report_t;

typedef struct touch_report_s
{
    DWORD error;         /* 0, or why it could not map the section */
    unsigned char value; /* what it read at a page never committed */
} touch_report_t;

typedef struct inherit_report_s
{
    DWORD error;   /* 0, or why it could not map the inherited handle */
    uint32_t seen; /* what it read in the section */
} inherit_report_t;

/* A child run on a thread, so that the parent can talk to it while it runs. */
typedef struct child_run_s
{
    wchar_t arguments[3 * WM_SECTION_NAME_MAX + 64];
    wm_output_t output;
    DWORD exit_code;
    DWORD error;
} child_run_t;

/* ------------------------------------------------------------------------------------ */
/* Running a copy of this program.                                                      */
/* ------------------------------------------------------------------------------------ */

/* Runs this program with run->arguments and waits for it (also a thread procedure). */
static DWORD WINAPI run_child(void *context)
{
    child_run_t *run = (child_run_t *)context;

    memset(&run->output, 0, sizeof run->output);
    run->error =
        wm_process_run_self(run->arguments, wm_output_collect, &run->output, &run->exit_code);
    return 0;
}

/* A child mode needs --name: one line on stderr and the usage exit code otherwise. */
static int name_missing(const lesson_state_t *state)
{
    if (state->name != NULL) {
        return 0;
    }
    fprintf(stderr, "%s: --child: needs --name\n", LESSON_NAME);
    return 1;
}

/* ------------------------------------------------------------------------------------ */
/* Steps 1 and 2. Messages both ways; the same data at different addresses.             */
/* ------------------------------------------------------------------------------------ */

/* The child's side: receive each message, answer it, report. */
static int run_exchange_child(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    wm_channel_t inbox;
    wm_channel_t outbox;
    exchange_report_t report;
    char message[MESSAGE_CAPACITY];
    char answer[MESSAGE_CAPACITY];
    SIZE_T length = 0;
    int written = 0;

    if (name_missing(state) || state->reply == NULL) {
        return WM_EXIT_USAGE;
    }
    memset(&report, 0, sizeof report);
    report.checksum = WM_CHECKSUM_SEED;
    report.error = wm_channel_open(state->name, &inbox);
    if (report.error == ERROR_SUCCESS) {
        report.error = wm_channel_open(state->reply, &outbox);
        report.view = (uintptr_t)inbox.view.base;
    }
    while (report.error == ERROR_SUCCESS) {
        report.error = wm_channel_receive(&inbox, message, sizeof message, &length, WAIT_MS);
        if (report.error != ERROR_SUCCESS || length == 0) {
            break; /* an empty message means "that was all" */
        }
        report.received++;
        report.checksum = wm_checksum(message, length, report.checksum);
        written =
            snprintf(answer, sizeof answer, "child %llu", (unsigned long long)report.received);
        report.error = wm_channel_send(&outbox, answer, (SIZE_T)written, WAIT_MS);
    }
    (void)wm_child_report(&report, sizeof report); /* the process ends: the system closes */
    return report.error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

/* The parent's side: send messages, take each answer, then an empty "that was all".
 * sums[0] is the checksum of what was sent, sums[1] of what came back. */
static DWORD talk_to_child(lesson_state_t *state, uint32_t sums[2], uint64_t *received)
{
    char message[MESSAGE_CAPACITY];
    char answer[MESSAGE_CAPACITY];
    SIZE_T length = 0;
    uint64_t i = 0;
    DWORD error = ERROR_SUCCESS;
    int written = 0;

    for (i = 1; i <= state->messages && error == ERROR_SUCCESS; i++) {
        written = snprintf(message, sizeof message, "parent %llu", (unsigned long long)i);
        error = wm_channel_send(&state->to_child, message, (SIZE_T)written, WAIT_MS);
        sums[0] = wm_checksum(message, (SIZE_T)written, sums[0]);
        if (error == ERROR_SUCCESS) {
            error = wm_channel_receive(&state->from_child, answer, sizeof answer, &length, WAIT_MS);
        }
        if (error == ERROR_SUCCESS) {
            (*received)++;
            sums[1] = wm_checksum(answer, length, sums[1]);
        }
    }
    if (error == ERROR_SUCCESS) {
        error = wm_channel_send(&state->to_child, "", 0, WAIT_MS); /* that was all */
    }
    return error;
}

/* The child's answers, computed here independently: "child 1", "child 2", ... */
static uint32_t expected_answers_sum(uint64_t messages)
{
    char answer[MESSAGE_CAPACITY];
    uint32_t sum = WM_CHECKSUM_SEED;
    uint64_t i = 0;
    int written = 0;

    for (i = 1; i <= messages; i++) {
        written = snprintf(answer, sizeof answer, "child %llu", (unsigned long long)i);
        sum = wm_checksum(answer, (SIZE_T)written, sum);
    }
    return sum;
}

static void show_exchange(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    static child_run_t run; /* the output buffer is large */
    exchange_report_t report;
    uint32_t sums[2] = {WM_CHECKSUM_SEED, WM_CHECKSUM_SEED};
    uint64_t received = 0;
    HANDLE thread = NULL;
    DWORD talk_error = ERROR_SUCCESS;
    DWORD waited = 0;
    int reported = 0;

    if (!wm_require(lesson, "wm_channel_create (messages)",
                    wm_channel_create(MESSAGE_CAPACITY, &state->to_child)) ||
        !wm_require(lesson, "wm_channel_create (answers)",
                    wm_channel_create(MESSAGE_CAPACITY, &state->from_child))) {
        return;
    }
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=exchange --name=%ls --reply=%ls", state->to_child.section.name,
             state->from_child.section.name);
    thread = CreateThread(NULL, 0,            /* default security and stack size */
                          run_child, &run, 0, /* runs at once */
                          NULL);              /* thread ID not needed */
    if (!wm_require_win32(lesson, "CreateThread (the child's runner)", thread != NULL)) {
        return;
    }
    talk_error = talk_to_child(state, sums, &received);
    waited = WaitForSingleObject(thread, 2 * WM_CHILD_TIME_LIMIT_MS); /* the run is bounded */
    (void)CloseHandle(thread);
    reported = wm_child_report_read(run.output.text, run.output.length, &report, sizeof report);
    if (!wm_require(lesson, "The parent's side of the exchange", talk_error) ||
        !wm_require(lesson, "The child ran and reported",
                    waited == WAIT_OBJECT_0 && run.error == 0 && reported ? 0
                                                                          : ERROR_INVALID_DATA)) {
        return;
    }
    state->child_view = report.view;
    wm_value_count(lesson, "messages each way", state->messages, NULL);
    wm_value_hex(lesson, "checksum of what the parent sent", sums[0], NULL);
    wm_value_hex(lesson, "checksum of what the child received", report.checksum, NULL);
    wm_claim(lesson, "sm.exchange-complete", "Each side received every message the other sent.",
             report.error == 0 && report.received == state->messages &&
                 received == state->messages);
    wm_claim(lesson, "sm.exchange-checksum",
             "The child's checksum of what it received equals the parent's of what it sent.",
             report.checksum == sums[0]);
    wm_claim(lesson, "sm.exchange-answers",
             "The parent received exactly the answers the child sent.",
             sums[1] == expected_answers_sum(state->messages));
}

static void show_two_addresses(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    const unsigned char *first = state->to_child.view.data;
    const unsigned char *second = NULL;
    BOOL ok = FALSE;

    second = (const unsigned char *)MapViewOfFile(state->to_child.section.mapping,
                                                  FILE_MAP_READ, /* a second, read-only view */
                                                  0, 0,          /* from offset 0 */
                                                  0);            /* to the section's end */
    if (!wm_require_win32(lesson, "MapViewOfFile (a second view)", second != NULL)) {
        return;
    }
    wm_value_address(lesson, "parent's view", (uintptr_t)first);
    wm_value_address(lesson, "parent's second view", (uintptr_t)second);
    wm_value_address(lesson, "child's view", (uintptr_t)state->child_view);
    wm_claim(lesson, "sm.two-views",
             "Two views of one section in one process are at different addresses and hold the "
             "same bytes.",
             second != first && memcmp(second, first, MESSAGE_CAPACITY) == 0);
    if (state->child_view == (uintptr_t)first) {
        wm_note(lesson, "This time the child's view landed at the parent's address: possible, "
                        "never promised.");
    }
    ok = UnmapViewOfFile(second);
    (void)wm_require_win32(lesson, "UnmapViewOfFile (the second view)", ok);
    (void)wm_require(lesson, "wm_channel_close (answers)", wm_channel_close(&state->from_child));
    (void)wm_require(lesson, "wm_channel_close (messages)", wm_channel_close(&state->to_child));
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Access control.                                                              */
/* ------------------------------------------------------------------------------------ */

/* The child's side: open for write, then for read; report both errors. */
static int run_access_child(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    access_report_t report;
    HANDLE section = NULL;

    if (name_missing(state)) {
        return WM_EXIT_USAGE;
    }
    memset(&report, 0, sizeof report);
    section = OpenFileMappingW(FILE_MAP_WRITE, /* more than the descriptor grants */
                               FALSE,          /* not inheritable */
                               state->name);
    report.write_error = section == NULL ? GetLastError() : ERROR_SUCCESS;
    if (section != NULL) {
        (void)CloseHandle(section);
    }
    section = OpenFileMappingW(FILE_MAP_READ, FALSE, state->name); /* what it grants */
    report.read_error = section == NULL ? GetLastError() : ERROR_SUCCESS;
    if (section != NULL) {
        (void)CloseHandle(section);
    }
    return wm_child_report(&report, sizeof report) == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

static void show_access_control(wm_lesson_t *lesson, void *context)
{
    static child_run_t run;
    SECURITY_ATTRIBUTES security;
    PSECURITY_DESCRIPTOR descriptor = NULL;
    wchar_t name[WM_SECTION_NAME_MAX];
    access_report_t report;
    HANDLE section = NULL;
    BOOL ok = FALSE;
    int reported = 0;

    (void)context;
    if (!wm_require(lesson, "A unique name", wm_section_unique_name(name, WM_SECTION_NAME_MAX)) ||
        !wm_require(lesson, "The descriptor D:P(A;;FILE_MAP_READ;;;this user)",
                    wm_security_owner_only(FILE_MAP_READ, &descriptor))) {
        return;
    }
    security.nLength = sizeof security;
    security.lpSecurityDescriptor = descriptor; /* its DACL: this user, FILE_MAP_READ only */
    security.bInheritHandle = FALSE;
    section = CreateFileMappingW(INVALID_HANDLE_VALUE,      /* no file: the page file */
                                 &security, PAGE_READWRITE, /* the creator's handle: all rights */
                                 0, MESSAGE_CAPACITY, name);
    (void)wm_security_free(&descriptor); /* the section keeps its own copy */
    if (!wm_require_win32(lesson, "CreateFileMappingW(owner-only, FILE_MAP_READ)",
                          section != NULL)) {
        return;
    }
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=access --name=%ls", name);
    (void)run_child(&run);
    reported = wm_child_report_read(run.output.text, run.output.length, &report, sizeof report);
    if (wm_require(lesson, "The child ran and reported",
                   reported ? run.error : ERROR_INVALID_DATA)) {
        wm_value_count(lesson, "OpenFileMappingW(FILE_MAP_WRITE): error", report.write_error, NULL);
        wm_value_count(lesson, "OpenFileMappingW(FILE_MAP_READ): error", report.read_error, NULL);
        wm_claim(lesson, "sm.access-denied",
                 "Asking for more than the descriptor grants fails with ERROR_ACCESS_DENIED.",
                 report.write_error == ERROR_ACCESS_DENIED);
        wm_claim(lesson, "sm.access-granted", "Asking for what it grants succeeds.",
                 report.read_error == ERROR_SUCCESS);
    }
    ok = CloseHandle(section);
    (void)wm_require_win32(lesson, "CloseHandle(section)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. A writer killed in the middle of a message.                                  */
/* ------------------------------------------------------------------------------------ */

/* The child's side: begin a message, write half of it, end without finishing. */
static int run_torn_child(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    wm_channel_t channel;
    unsigned char *payload = NULL;
    DWORD error = ERROR_SUCCESS;

    if (name_missing(state)) {
        return WM_EXIT_USAGE;
    }
    error = wm_channel_open(state->name, &channel);
    if (error == ERROR_SUCCESS) {
        error = wm_channel_begin(&channel, WAIT_MS, &payload); /* takes the mutex */
    }
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED;
    }
    memset(payload, 'X', channel.capacity / 2);
    ExitProcess(TORN_EXIT); /* ends holding the channel's mutex: the mutex is abandoned */
}

static void show_torn_message(wm_lesson_t *lesson, void *context)
{
    static child_run_t run;
    wm_channel_t channel;
    char message[MESSAGE_CAPACITY];
    SIZE_T length = 0;
    DWORD error = ERROR_SUCCESS;

    (void)context;
    if (!wm_require(lesson, "wm_channel_create", wm_channel_create(MESSAGE_CAPACITY, &channel))) {
        return;
    }
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=torn --name=%ls", channel.section.name);
    (void)run_child(&run);
    if (wm_require(lesson, "Running the child", run.error)) {
        wm_value_count(lesson, "child's exit code", run.exit_code, NULL);
        wm_claim(lesson, "sm.torn-exit-code",
                 "The child ended with the exit code it gave ExitProcess, mid-message.",
                 run.exit_code == TORN_EXIT);
        error = wm_channel_receive(&channel, message, sizeof message, &length, WAIT_MS);
        wm_value_count(lesson, "receive: error", error, NULL);
        wm_value_count(lesson, "receive: bytes delivered", length, NULL);
        wm_claim(lesson, "sm.torn-detected",
                 "The reader's wait finds the mutex abandoned: it reports the torn message "
                 "(ERROR_ABANDONED_WAIT_0) and delivers none of its bytes.",
                 error == ERROR_ABANDONED_WAIT_0 && length == 0);
    }
    (void)wm_require(lesson, "wm_channel_close", wm_channel_close(&channel));
}

/* ------------------------------------------------------------------------------------ */
/* Steps 5 and 6. SEC_RESERVE: commit on demand, and a page never committed.            */
/* ------------------------------------------------------------------------------------ */

/* The child's side: map the reserved section and touch its last page, never committed.
 * On Windows that is an access violation, and the child's exit code shows it. */
static int run_touch_reserved_child(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    HANDLE section = (HANDLE)(uintptr_t)state->handle; /* inherited: the same value */
    SIZE_T size = (SIZE_T)state->system.dwAllocationGranularity * RESERVED_GRANULES;
    volatile unsigned char *view = NULL;
    touch_report_t report;

    memset(&report, 0, sizeof report);
    view = (volatile unsigned char *)MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, size);
    if (view == NULL) {
        report.error = GetLastError();
        (void)wm_child_report(&report, sizeof report);
        return WM_EXIT_FAILED;
    }
    report.value = view[size - 1]; /* the last page: reserved, never committed */
    (void)wm_child_report(&report, sizeof report);
    return WM_EXIT_OK;
}

static void show_commit_on_demand(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T size = (SIZE_T)state->system.dwAllocationGranularity * RESERVED_GRANULES;
    SECURITY_ATTRIBUTES security = {sizeof(SECURITY_ATTRIBUTES), NULL /* default */,
                                    TRUE /* inheritable: step 6's child maps it */};
    void *committed = NULL;
    MEMORY_BASIC_INFORMATION before;
    MEMORY_BASIC_INFORMATION after;

    state->reserved = CreateFileMappingW(INVALID_HANDLE_VALUE, /* no file: the page file */
                                         &security, PAGE_READWRITE | SEC_RESERVE, /* no commit */
                                         0, (DWORD)size, NULL); /* no name: inherited */
    if (!wm_require_win32(lesson, "CreateFileMappingW(PAGE_READWRITE | SEC_RESERVE)",
                          state->reserved != NULL)) {
        return;
    }
    state->reserved_view = (unsigned char *)MapViewOfFile(state->reserved, FILE_MAP_WRITE, 0, 0,
                                                          size); /* the whole section */
    if (!wm_require_win32(lesson, "MapViewOfFile", state->reserved_view != NULL)) {
        return;
    }
    (void)VirtualQuery(state->reserved_view, &before, sizeof before);
    committed = VirtualAlloc(state->reserved_view, state->system.dwPageSize, /* first page */
                             MEM_COMMIT,      /* commits that page of the section, for all */
                             PAGE_READWRITE); /* must match the section's protection */
    if (!wm_require_win32(lesson, "VirtualAlloc(MEM_COMMIT) inside the view", committed != NULL)) {
        return;
    }
    (void)VirtualQuery(state->reserved_view, &after, sizeof after);
    state->reserved_view[0] = 1; /* committed: usable */
    wm_value_bytes(lesson, "section size", size);
    wm_value_text(lesson, "first page before the commit", wm_state_name(before.State));
    wm_value_text(lesson, "first page after the commit", wm_state_name(after.State));
    wm_value_bytes(lesson, "committed region", after.RegionSize);
    wm_claim(lesson, "sm.reserve-before", "Before the commit the view's pages are MEM_RESERVE.",
             before.State == MEM_RESERVE);
    wm_claim(lesson, "sm.commit-exact", "After it, exactly the pages asked for are MEM_COMMIT.",
             after.State == MEM_COMMIT && after.RegionSize == state->system.dwPageSize);
}

static void show_never_committed(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    static child_run_t run;
    touch_report_t report;
    BOOL ok = FALSE;
    int reported = 0;

    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=touch-reserved --handle=%llu",
             (unsigned long long)(uintptr_t)state->reserved);
    (void)run_child(&run); /* CreateProcessW with bInheritHandles TRUE */
    reported = wm_child_report_read(run.output.text, run.output.length, &report, sizeof report);
    wm_value_hex(lesson, "child's exit code", run.exit_code,
                 run.exit_code == EXCEPTION_ACCESS_VIOLATION ? "access violation" : NULL);
    if (reported && report.error == 0) {
        wm_value_count(lesson, "the byte the child read there", report.value, NULL);
    }
    wm_claim_or_deviation(
        lesson, "sm.reserved-faults", "Touching a reserved, uncommitted page of the view faults.",
        run.exit_code == EXCEPTION_ACCESS_VIOLATION,
        run.exit_code == WM_EXIT_OK && reported && report.error == 0 && report.value == 0,
        &SEC_RESERVE_PAGES_ACCESSIBLE);
    ok = UnmapViewOfFile(state->reserved_view);
    ok = ok && CloseHandle(state->reserved);
    (void)wm_require_win32(lesson, "UnmapViewOfFile, CloseHandle(section)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. Names.                                                                       */
/* ------------------------------------------------------------------------------------ */

/* Whether this process's token holds SeCreateGlobalPrivilege, enabled: 1, 0, or -1 when it
 * could not be asked. */
static int token_has_create_global(void)
{
    PRIVILEGE_SET privileges;
    HANDLE token = NULL;
    BOOL held = FALSE;
    BOOL ok = FALSE;

    memset(&privileges, 0, sizeof privileges);
    privileges.PrivilegeCount = 1;
    privileges.Control = PRIVILEGE_SET_ALL_NECESSARY;
    privileges.Privilege[0].Attributes = SE_PRIVILEGE_ENABLED;
    ok = LookupPrivilegeValueW(NULL, L"SeCreateGlobalPrivilege", &privileges.Privilege[0].Luid);
    ok = ok && OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token);
    ok = ok && PrivilegeCheck(token, &privileges, &held);
    if (token != NULL) {
        (void)CloseHandle(token);
    }
    return ok ? held != FALSE : -1;
}

static void show_names(wm_lesson_t *lesson, void *context)
{
    wchar_t name[WM_SECTION_NAME_MAX];
    wchar_t global_name[WM_SECTION_NAME_MAX + 8];
    HANDLE squatter = NULL;
    HANDLE victim = NULL;
    HANDLE global = NULL;
    DWORD victim_error = ERROR_SUCCESS;
    DWORD global_error = ERROR_SUCCESS;
    DWORD session = 0;
    BOOL ok = FALSE;
    int privilege = token_has_create_global();

    (void)context;
    if (!wm_require(lesson, "A unique name", wm_section_unique_name(name, WM_SECTION_NAME_MAX))) {
        return;
    }
    squatter = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MESSAGE_CAPACITY,
                                  name); /* the squatter comes first */
    if (!wm_require_win32(lesson, "The squatter's CreateFileMappingW", squatter != NULL)) {
        return;
    }
    victim = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MESSAGE_CAPACITY,
                                name); /* the victim, same name */
    victim_error = GetLastError();     /* read right after a success too */
    wm_value_count(lesson, "the victim's CreateFileMappingW: GetLastError", victim_error, NULL);
    wm_claim(lesson, "sm.exists-returns-existing",
             "Creating a name that exists succeeds with the existing object and "
             "ERROR_ALREADY_EXISTS: the victim must check, and refuse it.",
             victim != NULL && victim_error == ERROR_ALREADY_EXISTS);
    if (victim != NULL) {
        (void)CloseHandle(victim); /* refused: never use a squatter's object */
    }
    (void)CloseHandle(squatter);

    swprintf(global_name, sizeof global_name / sizeof global_name[0], L"Global\\%ls", name + 6);
    global = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MESSAGE_CAPACITY,
                                global_name); /* seen from every session */
    global_error = global == NULL ? GetLastError() : ERROR_SUCCESS;
    wm_value_text(lesson, "this token holds SeCreateGlobalPrivilege",
                  privilege < 0 ? "unknown"
                  : privilege   ? "yes"
                                : "no");
    wm_value_count(lesson, "creating a Global\\ section: error", global_error, NULL);
    if (global != NULL) {
        (void)CloseHandle(global);
    }
    /* Kernel object namespaces (Microsoft Learn): outside session 0, creating a file mapping
     * in Global\ needs SeCreateGlobalPrivilege in the token. So the outcome follows the
     * privilege shown above; in session 0 (a service), or when it is unknown, it is a value. */
    ok = ProcessIdToSessionId(GetCurrentProcessId(), &session);
    if (!ok || session == 0 || privilege < 0) {
        wm_note(lesson, "Session 0, or the privilege is unknown: the outcome is shown, not "
                        "judged.");
        return;
    }
    if (privilege) {
        wm_claim(lesson, "sm.global-outcome",
                 "With SeCreateGlobalPrivilege in the token, creating a Global\\ section works.",
                 global_error == ERROR_SUCCESS);
    } else {
        wm_claim(lesson, "sm.global-outcome",
                 "Without SeCreateGlobalPrivilege, creating a Global\\ section outside session 0 "
                 "fails with ERROR_ACCESS_DENIED.",
                 global_error == ERROR_ACCESS_DENIED);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. No name at all.                                                              */
/* ------------------------------------------------------------------------------------ */

/* The child's side: map the handle it inherited, read the parent's mark, write its own. */
static int run_inherit_child(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    HANDLE section = (HANDLE)(uintptr_t)state->handle; /* the same value as in the parent */
    uint32_t *view = NULL;
    inherit_report_t report;

    memset(&report, 0, sizeof report);
    view = (uint32_t *)MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);
    if (view == NULL) {
        report.error = GetLastError();
    } else {
        report.seen = view[0];
        view[1] = CHILD_MARK;
        (void)UnmapViewOfFile(view);
    }
    return wm_child_report(&report, sizeof report) == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

static void show_no_name(wm_lesson_t *lesson, void *context)
{
    static child_run_t run;
    SECURITY_ATTRIBUTES security;
    inherit_report_t report;
    HANDLE section = NULL;
    uint32_t *view = NULL;
    BOOL ok = FALSE;
    int reported = 0;

    (void)context;
    security.nLength = sizeof security;
    security.lpSecurityDescriptor = NULL; /* the default: the creator's token decides */
    security.bInheritHandle = TRUE;       /* a child started with inheritance gets it */
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, &security, PAGE_READWRITE, 0,
                                 MESSAGE_CAPACITY, NULL); /* NULL: no name to squat */
    if (!wm_require_win32(lesson, "CreateFileMappingW(no name, inheritable)", section != NULL)) {
        return;
    }
    view = (uint32_t *)MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);
    if (!wm_require_win32(lesson, "MapViewOfFile", view != NULL)) {
        return;
    }
    view[0] = PARENT_MARK;
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=inherit --handle=%llu", (unsigned long long)(uintptr_t)section);
    (void)run_child(&run); /* CreateProcessW with bInheritHandles TRUE */
    reported = wm_child_report_read(run.output.text, run.output.length, &report, sizeof report);
    if (wm_require(lesson, "The child ran and reported",
                   reported ? run.error : ERROR_INVALID_DATA)) {
        wm_value_hex(lesson, "the handle's value, in both processes", (uintptr_t)section, NULL);
        wm_value_hex(lesson, "what the child read", report.seen, NULL);
        wm_value_hex(lesson, "what the parent reads back", view[1], NULL);
        wm_claim(lesson, "sm.inherited-section",
                 "A child that inherits the section's handle maps the same pages: it reads the "
                 "parent's mark, and the parent reads the child's.",
                 report.error == 0 && report.seen == PARENT_MARK && view[1] == CHILD_MARK);
    }
    ok = UnmapViewOfFile(view);
    ok = ok && CloseHandle(section);
    (void)wm_require_win32(lesson, "UnmapViewOfFile, CloseHandle(section)", ok);
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table.                                                               */
/* ------------------------------------------------------------------------------------ */

static void set_defaults(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;

    state->messages = MESSAGES_DEFAULT;
    GetSystemInfo(&state->system); /* cannot fail */
}

static const char *check_options(void *context)
{
    const lesson_state_t *state = (const lesson_state_t *)context;

    if (state->messages == 0 || state->messages > MESSAGES_MAXIMUM) {
        return "--messages: must be between 1 and 100000";
    }
    return NULL;
}

static const wm_lesson_step_t steps[] = {
    {"Messages both ways through a named section",
     "The parent creates two channels (src/shared_memory.c), each a section in the Local\\ "
     "namespace with a unique name and a descriptor that lets only this user in, plus a named "
     "mutex and two events. It starts a copy of itself with the names. Each message carries a "
     "sequence number and a checksum; the mutex keeps a reader from seeing a message while it "
     "is being written.",
     show_exchange},
    {"The same physical data at different virtual addresses",
     "A view is placed wherever the mapping process has room: the child's view of the channel "
     "need not be at the parent's address, and a second view in one process is always at "
     "another address. Pointers into shared memory mean nothing to the other side: share "
     "offsets, not pointers.",
     show_two_addresses},
    {"Access control",
     "The descriptor's one entry allows this user FILE_MAP_READ and nothing else. "
     "OpenFileMappingW checks the rights asked for against it: a child asking for "
     "FILE_MAP_WRITE is refused, asking for FILE_MAP_READ is let in. The creator's own handle "
     "has every right: the check happens when a handle is opened. An owner-only descriptor "
     "keeps out other users, not other processes of this user at the same integrity level.",
     show_access_control},
    {"A writer dies in the middle of a message",
     "The child takes the mutex, marks the slot \"writing\", writes half a message and ends "
     "without finishing it. The system then abandons the mutex: the reader's wait returns "
     "WAIT_ABANDONED and the slot still says \"writing\", so the reader reports a torn message "
     "and empties the slot instead of using the bytes.",
     show_torn_message},
    {"SEC_RESERVE: commit on demand",
     "A section created with SEC_RESERVE is address space only: its views are reserved pages. "
     "VirtualAlloc(MEM_COMMIT) on a range of a view commits those pages of the section, for "
     "every process that maps it. This section has no name: the next step's child inherits "
     "its handle.",
     show_commit_on_demand},
    {"A page never committed",
     "A child maps the same section through the handle it inherited and reads its last page, "
     "reserved but never committed. On Windows that is an access violation, and the child's "
     "exit code shows it.",
     show_never_committed},
    {"Names: Local\\, Global\\, and squatting",
     "Local\\ names are per session (each Remote Desktop session has its own); Global\\ names "
     "are seen by every session, and creating a file mapping there needs "
     "SeCreateGlobalPrivilege in this token (services have it; an administrator's token only "
     "when elevated). A name is a public rendezvous, and a name made from the process ID, a "
     "counter and a clock can be guessed: a squatter who creates it first gets the victim's "
     "CreateFileMappingW to return the squatter's object. Refusing ERROR_ALREADY_EXISTS turns "
     "that hijack into a denial of service, no more.",
     show_names},
    {"No name at all",
     "The real fixes are a private namespace (CreatePrivateNamespace with a boundary "
     "descriptor) or no name: an unnamed section reaches a child by handle inheritance or "
     "DuplicateHandle, and there is nothing to squat. Here: an inheritable handle, its value "
     "passed on the child's command line.",
     show_no_name},
};

static const wm_lesson_option_t options[] = {
    {L"--messages", WM_OPTION_UNSIGNED, offsetof(lesson_state_t, messages), "N",
     "step 1: messages each way (default 100, at most 100000)"},
    {L"--name", WM_OPTION_TEXT, offsetof(lesson_state_t, name), "NAME",
     NULL /* internal: the section a child opens */},
    {L"--reply", WM_OPTION_TEXT, offsetof(lesson_state_t, reply), "NAME",
     NULL /* internal: the exchange child's answer channel */},
    {L"--handle", WM_OPTION_UNSIGNED, offsetof(lesson_state_t, handle), "VALUE",
     NULL /* internal: the inherited section of steps 6 and 8 */},
};

static const wm_lesson_child_t children[] = {
    {"exchange", run_exchange_child},             /* steps 1-2 */
    {"access", run_access_child},                 /* step 3 */
    {"torn", run_torn_child},                     /* step 4 */
    {"touch-reserved", run_touch_reserved_child}, /* step 6 */
    {"inherit", run_inherit_child},               /* step 8 */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    options,
    sizeof options / sizeof options[0],
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    set_defaults,
    check_options,
    NULL, /* nothing this lesson needs can be missing */
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
