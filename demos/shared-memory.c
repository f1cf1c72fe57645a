/*
 * shared-memory.c - lesson: shared memory between processes, through named sections.
 *
 * "Memory-mapped files ... [are] particularly useful for sharing data between processes."
 * A pagefile-backed section is a memory-mapped file without a file: two processes that map
 * it see the same physical pages.
 *
 * What you will see when you run it:
 *   1. A channel on a named section with an owner-only security descriptor; the parent and a
 *      copy of itself (the child) exchange messages both ways; each reports the count and
 *      a checksum of what it received, and they match what the other sent.
 *   2. The same physical data at different virtual addresses: two views in this process,
 *      and the child's view, each at its own address.
 *   3. Access control: the child opening the section for more than the descriptor grants
 *      fails with ERROR_ACCESS_DENIED; for what it grants, it succeeds.
 *   4. A writer killed in the middle of a message: the reader detects the torn message
 *      (the abandoned mutex and the slot still marked "writing") and never uses it.
 *   5. SEC_RESERVE: a shared section's pages committed on demand; touching a page not yet
 *      committed faults (Wine 8.0 lets it be read: the lesson reports what it observed).
 *   6. Names: Local\ against Global\, and unique names against squatting.
 *
 * Run:  shared-memory [--json] [--messages=N] [--pause]
 * Docs: docs/shared-memory.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_lesson.h"

#define DEMO_NAME "shared-memory"
#define DEMO_TITLE                                                                                 \
    "Shared memory: one section, mapped by two processes, the same physical pages at each "        \
    "process's own addresses, guarded by a security descriptor and a mutex."

/* Step 1: messages each way, unless --messages says otherwise, and the most allowed. */
#define MESSAGES_DEFAULT 100
#define MESSAGES_MAXIMUM 100000

/* The largest message, in bytes: "parent 12345" and the like fit with room to spare. */
#define MESSAGE_CAPACITY 64

/* How long either end waits for the other before calling it lost. */
#define WAIT_MS 10000

/* The child modes (--child MODE), one per step that needs a second process. */
#define CHILD_EXCHANGE L"exchange"
#define CHILD_ACCESS L"access"
#define CHILD_TORN L"torn"
#define CHILD_TOUCH_RESERVED L"touch-reserved"

/* The torn writer's exit code: it ends on purpose in the middle of a message. */
#define TORN_EXIT 3

/* Step 5: a section of this many allocation granularities, reserved. */
#define RESERVED_GRANULES 4

/* How Wine is recorded to differ (docs/deviations.md has the row). The claim that names it
 * checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t SEC_RESERVE_PAGES_ACCESSIBLE = {
    "wine-sec-reserve-pages-accessible",
    "The reserved, never committed pages of a SEC_RESERVE section's view can be read (as zero) "
    "and written without an access violation."};

/* What the command line asked for. */
typedef struct demo_config_s
{
    uint64_t messages;    /* --messages: step 1's count each way */
    const wchar_t *mode;  /* --child: run as one of the children, or NULL */
    const wchar_t *name;  /* --name: the section or channel the child opens */
    const wchar_t *reply; /* --reply: the child's channel back to the parent */
} demo_config_t;

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

/* Runs this program with run->arguments and waits for it (a thread procedure). */
static DWORD WINAPI run_child(void *context)
{
    child_run_t *run = (child_run_t *)context;

    run->error =
        wm_process_run_self(run->arguments, wm_output_collect, &run->output, &run->exit_code);
    return 0;
}

/* Starts run_child on a new thread; the caller waits for the thread and closes it. */
static HANDLE start_child(child_run_t *run)
{
    return CreateThread(NULL, 0,           /* default security and stack size */
                        run_child, run, 0, /* runs at once */
                        NULL);             /* thread ID not needed */
}

/* Waits for the thread of start_child and closes it. */
static DWORD finish_child(HANDLE thread)
{
    /* The thread's own run is bounded (wm_process_run ends a child past its limit), so this
     * wait is too: one limit more, for the thread itself. */
    DWORD waited = WaitForSingleObject(thread, 2 * WM_CHILD_TIME_LIMIT_MS);
    DWORD error = waited == WAIT_OBJECT_0 ? ERROR_SUCCESS : GetLastError();
    BOOL closed = CloseHandle(thread);

    if (!closed && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. Messages both ways.                                                          */
/* ------------------------------------------------------------------------------------ */

/* The child's side of steps 1 and 2: receive each message, answer it, report. */
static int run_exchange_child(const demo_config_t *config)
{
    wm_channel_t inbox;
    wm_channel_t outbox;
    char message[MESSAGE_CAPACITY];
    char answer[MESSAGE_CAPACITY];
    SIZE_T length = 0;
    uint32_t received_sum = WM_CHECKSUM_SEED;
    unsigned long received = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD close_error = ERROR_SUCCESS;
    int written = 0;

    error = wm_channel_open(config->name, &inbox);
    if (error == ERROR_SUCCESS) {
        error = wm_channel_open(config->reply, &outbox);
    }
    while (error == ERROR_SUCCESS) {
        error = wm_channel_receive(&inbox, message, sizeof message, &length, WAIT_MS);
        if (error != ERROR_SUCCESS || length == 0) {
            break; /* an empty message means "that was all" */
        }
        received++;
        received_sum = wm_checksum(message, length, received_sum);
        written = snprintf(answer, sizeof answer, "child %lu", received);
        error = wm_channel_send(&outbox, answer, (SIZE_T)written, WAIT_MS);
    }
    printf("received=%lu checksum=%lu view=%llu error=%lu\n", received, (unsigned long)received_sum,
           (unsigned long long)(uintptr_t)inbox.view.base, (unsigned long)error);
    fflush(stdout);
    close_error = wm_channel_close(&outbox);
    if (error == ERROR_SUCCESS) {
        error = close_error;
    }
    close_error = wm_channel_close(&inbox);
    if (error == ERROR_SUCCESS) {
        error = close_error;
    }
    return error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

/* The parent's side: send messages, take each answer, then an empty "that was all". */
static DWORD talk_to_child(wm_channel_t *to_child, wm_channel_t *from_child, uint64_t messages,
                           uint32_t *sent_sum, uint32_t *received_sum, unsigned long *received)
{
    char message[MESSAGE_CAPACITY];
    char answer[MESSAGE_CAPACITY];
    SIZE_T length = 0;
    uint64_t i = 0;
    DWORD error = ERROR_SUCCESS;
    int written = 0;

    for (i = 1; i <= messages && error == ERROR_SUCCESS; i++) {
        written = snprintf(message, sizeof message, "parent %llu", (unsigned long long)i);
        error = wm_channel_send(to_child, message, (SIZE_T)written, WAIT_MS);
        if (error != ERROR_SUCCESS) {
            break;
        }
        *sent_sum = wm_checksum(message, (SIZE_T)written, *sent_sum);
        error = wm_channel_receive(from_child, answer, sizeof answer, &length, WAIT_MS);
        if (error == ERROR_SUCCESS) {
            (*received)++;
            *received_sum = wm_checksum(answer, length, *received_sum);
        }
    }
    if (error == ERROR_SUCCESS) {
        error = wm_channel_send(to_child, "", 0, WAIT_MS); /* that was all */
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

static void show_exchange(wm_lesson_t *lesson, uint64_t messages)
{
    wm_channel_t to_child;
    wm_channel_t from_child;
    wm_view_t second_view;
    child_run_t run;
    HANDLE thread = NULL;
    uint32_t sent_sum = WM_CHECKSUM_SEED;
    uint32_t received_sum = WM_CHECKSUM_SEED;
    unsigned long received = 0;
    unsigned long child_received = 0;
    unsigned long child_sum = 0;
    unsigned long long child_view = 0;
    unsigned long child_error = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD talk_error = ERROR_SUCCESS;
    char name[WM_SECTION_NAME_MAX * 3]; /* UTF-8 takes up to 3 bytes per UTF-16 unit */
    int parsed = 0;

    wm_step(lesson, "Messages both ways through a named section",
            "The parent creates two channels, each a section in the Local\\ namespace with a "
            "unique name and a descriptor that lets only this user in, plus a named mutex and "
            "two events. It starts a copy of itself with the names. Each message carries a "
            "sequence number and a checksum; the mutex keeps a reader from seeing a message "
            "while it is being written.");
    memset(&run, 0, sizeof run);
    error = wm_channel_create(MESSAGE_CAPACITY, &to_child);
    wm_claim_success(lesson, "CreateFileMappingW(INVALID_HANDLE_VALUE, owner-only, Local\\...)",
                     error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_channel_create(MESSAGE_CAPACITY, &from_child);
    wm_claim_success(lesson, "The second channel, for the answers", error);
    if (error != ERROR_SUCCESS) {
        error = wm_channel_close(&to_child);
        wm_claim_success(lesson, "Closing the first channel", error);
        return;
    }
    error = wm_utf8_from_wide(to_child.section.name, name, sizeof name);
    if (error == ERROR_SUCCESS) {
        wm_value_text(lesson, "section name", name);
    }
    wm_value_count(lesson, "messages each way", messages, NULL);
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=%ls --name=%ls --reply=%ls", CHILD_EXCHANGE, to_child.section.name,
             from_child.section.name);
    thread = start_child(&run);
    error = thread == NULL ? GetLastError() : ERROR_SUCCESS;
    wm_claim_success(lesson, "Starting the child (CreateProcessW, on a thread)", error);
    if (error == ERROR_SUCCESS) {
        talk_error =
            talk_to_child(&to_child, &from_child, messages, &sent_sum, &received_sum, &received);
        error = finish_child(thread);
        wm_claim_success(lesson, "The parent's side of the exchange", talk_error);
        wm_claim_success(lesson, "The child ran to its end",
                         run.error != ERROR_SUCCESS ? run.error : error);
        parsed = sscanf(run.output.text, "received=%lu checksum=%lu view=%llu error=%lu",
                        &child_received, &child_sum, &child_view, &child_error) == 4;
    }
    if (parsed) {
        wm_value_count(lesson, "parent received", received, "messages");
        wm_value_count(lesson, "child received", child_received, "messages");
        wm_value_hex(lesson, "checksum of what the parent sent", sent_sum, NULL);
        wm_value_hex(lesson, "checksum of what the child received", child_sum, NULL);
        wm_value_hex(lesson, "checksum of what the parent received", received_sum, NULL);
        wm_claim(lesson, NULL, "Each side received every message the other sent.",
                 child_error == 0 && child_received == messages && received == messages);
        wm_claim(lesson, NULL,
                 "The child's checksum of what it received equals the parent's of what "
                 "it sent.",
                 child_sum == sent_sum);
        wm_claim(lesson, NULL, "The parent received exactly the answers the child sent.",
                 received_sum == expected_answers_sum(messages));

        /* Step 2 is about the same section: it is shown here, while both views exist. */
        wm_step(lesson, "The same physical data at different virtual addresses",
                "A view is placed wherever the mapping process has room: the child's view of "
                "the channel need not be at the parent's address, and a second view in one "
                "process is always at another address. Pointers into shared memory therefore "
                "mean nothing to the other side: share offsets, not pointers.");
        wm_value_address(lesson, "parent's view", (uintptr_t)to_child.view.base);
        wm_value_address(lesson, "child's view", (uintptr_t)child_view);
        error = wm_view_map(to_child.section.mapping, FILE_MAP_READ, 0, 0, &second_view);
        wm_claim_success(lesson, "A second view in this process (MapViewOfFileEx)", error);
        if (error == ERROR_SUCCESS) {
            wm_value_address(lesson, "parent's second view", (uintptr_t)second_view.base);
            wm_claim(lesson, NULL,
                     "Two views of one section in one process are at different addresses "
                     "and hold the same bytes.",
                     second_view.base != to_child.view.base &&
                         memcmp(second_view.data, to_child.view.data, MESSAGE_CAPACITY) == 0);
            error = wm_view_unmap(&second_view);
            wm_claim_success(lesson, "UnmapViewOfFile (the second view)", error);
        }
        if (child_view == (uintptr_t)to_child.view.base) {
            wm_note(lesson, "This time the child's view landed at the parent's address: "
                            "possible, never promised.");
        }
    } else {
        wm_step(lesson, "The same physical data at different virtual addresses",
                "(Needs the child of step 1, which did not report.)");
        wm_claim(lesson, NULL, "The child reported its view's address.", 0);
    }
    error = wm_channel_close(&from_child);
    wm_claim_success(lesson, "Closing the answer channel", error);
    error = wm_channel_close(&to_child);
    wm_claim_success(lesson, "Closing the message channel (unmap, close every handle)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Access control.                                                              */
/* ------------------------------------------------------------------------------------ */

/* The child's side: open for write, then for read; report both errors. */
static int run_access_child(const demo_config_t *config)
{
    wm_section_t section;
    DWORD write_error = wm_section_open(config->name, FILE_MAP_WRITE, &section);
    DWORD read_error = ERROR_SUCCESS;
    DWORD close_error = ERROR_SUCCESS;

    if (write_error == ERROR_SUCCESS) {
        (void)wm_section_close(&section);
    }
    read_error = wm_section_open(config->name, FILE_MAP_READ, &section);
    if (read_error == ERROR_SUCCESS) {
        close_error = wm_section_close(&section);
    }
    printf("write=%lu read=%lu\n", (unsigned long)write_error, (unsigned long)read_error);
    fflush(stdout);
    return close_error == ERROR_SUCCESS ? WM_EXIT_OK : WM_EXIT_FAILED;
}

static void show_access_control(wm_lesson_t *lesson)
{
    wm_section_t section;
    child_run_t run;
    unsigned long write_error = 0;
    unsigned long read_error = 0;
    DWORD error = ERROR_SUCCESS;
    int parsed = 0;

    wm_step(lesson, "Access control",
            "The descriptor's one entry allows this user FILE_MAP_READ and nothing else. "
            "OpenFileMapping checks the rights asked for against it: a child asking for "
            "FILE_MAP_WRITE is refused, asking for FILE_MAP_READ is let in. (The creator's own "
            "handle has every right: the check happens when a handle is opened.)");
    memset(&run, 0, sizeof run);
    error = wm_section_create(NULL, MESSAGE_CAPACITY, 0, FILE_MAP_READ, &section);
    wm_claim_success(lesson, "CreateFileMappingW with D:P(A;;FILE_MAP_READ;;;user)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=%ls --name=%ls", CHILD_ACCESS, section.name);
    (void)run_child(&run);
    wm_claim_success(lesson, "Running the child", run.error);
    parsed = sscanf(run.output.text, "write=%lu read=%lu", &write_error, &read_error) == 2;
    wm_claim(lesson, NULL, "The child reported both opens.", parsed && run.exit_code == 0);
    wm_value_count(lesson, "OpenFileMappingW(FILE_MAP_WRITE): error", write_error, NULL);
    wm_value_count(lesson, "OpenFileMappingW(FILE_MAP_READ): error", read_error, NULL);
    wm_claim(lesson, NULL,
             "Asking for more than the descriptor grants fails with ERROR_ACCESS_DENIED.",
             parsed && write_error == ERROR_ACCESS_DENIED);
    wm_claim(lesson, NULL, "Asking for what it grants succeeds.", parsed && read_error == 0);
    error = wm_section_close(&section);
    wm_claim_success(lesson, "CloseHandle(section)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. A writer killed in the middle of a message.                                  */
/* ------------------------------------------------------------------------------------ */

/* The child's side: begin a message, write half of it, end without finishing. */
static int run_torn_child(const demo_config_t *config)
{
    wm_channel_t channel;
    unsigned char *payload = NULL;
    DWORD error = wm_channel_open(config->name, &channel);

    if (error == ERROR_SUCCESS) {
        error = wm_channel_begin(&channel, WAIT_MS, &payload);
    }
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED;
    }
    memset(payload, 'X', channel.capacity / 2);
    ExitProcess(TORN_EXIT); /* ends holding the channel's mutex: the mutex is abandoned */
}

static void show_torn_message(wm_lesson_t *lesson)
{
    wm_channel_t channel;
    child_run_t run;
    char message[MESSAGE_CAPACITY];
    SIZE_T length = 0;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "A writer dies in the middle of a message",
            "The child takes the mutex, marks the slot \"writing\", writes half a message "
            "and ends without finishing it. The system then abandons the mutex: the reader's "
            "wait returns WAIT_ABANDONED and the slot still says \"writing\", so the reader "
            "reports a torn message and empties the slot instead of using the bytes.");
    memset(&run, 0, sizeof run);
    error = wm_channel_create(MESSAGE_CAPACITY, &channel);
    wm_claim_success(lesson, "A channel", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
             L"--child=%ls --name=%ls", CHILD_TORN, channel.section.name);
    (void)run_child(&run);
    wm_claim_success(lesson, "Running the child", run.error);
    wm_value_count(lesson, "child's exit code", run.exit_code, NULL);
    wm_claim(lesson, NULL, "The child ended in the middle of its message.",
             run.exit_code == TORN_EXIT);
    error = wm_channel_receive(&channel, message, sizeof message, &length, WAIT_MS);
    wm_value_count(lesson, "receive: error", error, NULL);
    wm_value_count(lesson, "receive: bytes delivered", length, NULL);
    wm_claim(lesson, NULL,
             "The reader detects the torn message (ERROR_ABANDONED_WAIT_0) and delivers none "
             "of its bytes.",
             error == ERROR_ABANDONED_WAIT_0 && length == 0);
    error = wm_channel_close(&channel);
    wm_claim_success(lesson, "Closing the channel", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. SEC_RESERVE: commit on demand.                                               */
/* ------------------------------------------------------------------------------------ */

/* The child's side: map the reserved section and touch its last page, never committed.
 * On Windows that is an access violation, and the child's exit code shows it. */
static int run_touch_reserved_child(const demo_config_t *config)
{
    wm_section_t section;
    wm_view_t view;
    volatile unsigned char *last = NULL;
    wm_system_t system;
    unsigned char value = 0;

    DWORD error = wm_system_query(&system);

    if (error == ERROR_SUCCESS) {
        error = wm_section_open(config->name, FILE_MAP_WRITE, &section);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_view_map(section.mapping, FILE_MAP_WRITE, 0, 0, &view);
    }
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED; /* the process ends: the system closes what it opened */
    }
    last = view.data + (SIZE_T)system.allocation_granularity * RESERVED_GRANULES - 1;
    value = *last; /* reserved, not committed */
    printf("read=%u\n", (unsigned)value);
    fflush(stdout);
    return WM_EXIT_OK;
}

static void show_commit_on_demand(wm_lesson_t *lesson, const wm_system_t *system)
{
    wm_section_t section;
    wm_view_t view;
    MEMORY_BASIC_INFORMATION before;
    MEMORY_BASIC_INFORMATION after;
    child_run_t run;
    SIZE_T size = (SIZE_T)system->allocation_granularity * RESERVED_GRANULES;
    unsigned child_read = 0;
    DWORD error = ERROR_SUCCESS;
    int child_reported = 0;

    wm_step(lesson, "SEC_RESERVE: commit on demand",
            "A section created with SEC_RESERVE is address space only: its views are reserved "
            "pages, charged to nobody. VirtualAlloc(MEM_COMMIT) on a range of a view commits "
            "those pages of the section, for every process that maps it. Touching a page not "
            "yet committed is an access violation on Windows.");
    memset(&run, 0, sizeof run);
    error = wm_section_create(NULL, size, 1, FILE_MAP_READ | FILE_MAP_WRITE, &section);
    wm_claim_success(lesson, "CreateFileMappingW(PAGE_READWRITE | SEC_RESERVE)", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_view_map(section.mapping, FILE_MAP_WRITE, 0, size, &view);
    wm_claim_success(lesson, "MapViewOfFileEx of the whole section", error);
    if (error == ERROR_SUCCESS) {
        (void)VirtualQuery(view.data, &before, sizeof before);
        error = wm_section_commit(&view, 0, system->page_size);
        wm_claim_success(lesson, "VirtualAlloc(MEM_COMMIT) of the first page inside the view",
                         error);
        (void)VirtualQuery(view.data, &after, sizeof after);
        view.data[0] = 1; /* committed: usable */
        wm_value_bytes(lesson, "section size", size);
        wm_value_text(lesson, "first page before the commit", wm_state_name(before.State));
        wm_value_text(lesson, "first page after the commit", wm_state_name(after.State));
        wm_value_bytes(lesson, "committed region", after.RegionSize);
        /* kernel32/tests/virtual.c, test_MapViewOfFile ("read/write mapping with
         * SEC_RESERVE"): a view is MEM_RESERVE until VirtualAlloc(MEM_COMMIT), then the
         * committed range, and only it, is MEM_COMMIT (ok() without todo_wine). */
        wm_claim(lesson, NULL, "Before the commit the view's pages are MEM_RESERVE.",
                 before.State == MEM_RESERVE);
        wm_claim(lesson, NULL, "After it, exactly the pages asked for are MEM_COMMIT.",
                 after.State == MEM_COMMIT && after.RegionSize == system->page_size);
        swprintf(run.arguments, sizeof run.arguments / sizeof run.arguments[0],
                 L"--child=%ls --name=%ls", CHILD_TOUCH_RESERVED, section.name);
        (void)run_child(&run);
        wm_claim_success(lesson, "Running a child that touches a page never committed", run.error);
        wm_value_hex(lesson, "child's exit code", run.exit_code,
                     run.exit_code == EXCEPTION_ACCESS_VIOLATION ? "access violation" : NULL);
        /* The child prints "read=N" only when its read of the uncommitted page ran. */
        child_reported = sscanf(run.output.text, "read=%u", &child_read) == 1;
        if (child_reported) {
            wm_value_count(lesson, "the byte the child read there", child_read, NULL);
        }
        /* "Allocating Virtual Memory" (Microsoft Learn): "Reserved pages are not accessible";
         * kernel32/tests/virtual.c, test_MapViewOfFile: the view's pages are MEM_RESERVE with
         * Protect 0 (no access) before the commit. The deviation: the child's read ran, gave
         * 0, and the child ended normally. */
        wm_claim_or_deviation(lesson, NULL,
                              "Touching a reserved, uncommitted page of the view faults.",
                              run.exit_code == EXCEPTION_ACCESS_VIOLATION,
                              run.exit_code == WM_EXIT_OK && child_reported && child_read == 0,
                              &SEC_RESERVE_PAGES_ACCESSIBLE);
        error = wm_view_unmap(&view);
        wm_claim_success(lesson, "UnmapViewOfFile", error);
    }
    error = wm_section_close(&section);
    wm_claim_success(lesson, "CloseHandle(section)", error);
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Names.                                                                       */
/* ------------------------------------------------------------------------------------ */

static void show_names(wm_lesson_t *lesson)
{
    wm_section_t squatter;
    wm_section_t victim;
    wm_section_t global;
    wchar_t first[WM_SECTION_NAME_MAX];
    wchar_t second[WM_SECTION_NAME_MAX];
    wchar_t global_name[WM_SECTION_NAME_MAX + 8];
    DWORD error = ERROR_SUCCESS;
    DWORD global_error = ERROR_SUCCESS;

    wm_step(lesson, "Names: Local\\, Global\\, and squatting",
            "Local\\ names live in this logon session; Global\\ names are seen by every "
            "session, and creating one needs SeCreateGlobalPrivilege (services and "
            "administrators have it). A name is a public rendezvous: another program can "
            "create it first (squat) and wait for a victim to use its object. So this "
            "library makes names nobody can guess in advance, and refuses a name that "
            "already exists instead of using someone else's object.");
    error = wm_section_unique_name(first, WM_SECTION_NAME_MAX);
    if (error == ERROR_SUCCESS) {
        error = wm_section_unique_name(second, WM_SECTION_NAME_MAX);
    }
    wm_claim_success(lesson, "Two unique names", error);
    wm_claim(lesson, NULL, "Two unique names differ.", wcscmp(first, second) != 0);

    error = wm_section_create(first, MESSAGE_CAPACITY, 0, FILE_MAP_ALL_ACCESS, &squatter);
    wm_claim_success(lesson, "A squatter creates the name first", error);
    if (error == ERROR_SUCCESS) {
        error = wm_section_create(first, MESSAGE_CAPACITY, 0, FILE_MAP_READ, &victim);
        wm_value_count(lesson, "the victim's create: error", error, NULL);
        wm_claim(lesson, NULL,
                 "Creating a name that exists is refused (ERROR_ALREADY_EXISTS), not quietly "
                 "turned into an open of the squatter's object.",
                 error == ERROR_ALREADY_EXISTS && victim.mapping == NULL);
        error = wm_section_close(&squatter);
        wm_claim_success(lesson, "The squatter's handle closed", error);
    }

    swprintf(global_name, sizeof global_name / sizeof global_name[0], L"Global\\%ls", second + 6);
    global_error = wm_section_create(global_name, MESSAGE_CAPACITY, 0, FILE_MAP_READ, &global);
    wm_value_count(lesson, "creating a Global\\ section: error", global_error, NULL);
    if (global_error == ERROR_SUCCESS) {
        wm_note(lesson, "Global\\ was allowed: this process holds SeCreateGlobalPrivilege "
                        "(an administrator or a service; Wine 8.0 runs every program "
                        "elevated).");
        error = wm_section_close(&global);
        wm_claim_success(lesson, "Closing the Global\\ section", error);
    } else {
        wm_note(lesson, "Global\\ was refused: this account lacks SeCreateGlobalPrivilege. "
                        "Local\\ needs no privilege.");
    }
    wm_claim(lesson, NULL,
             "Global\\ either works or fails with ERROR_ACCESS_DENIED, never otherwise.",
             global_error == ERROR_SUCCESS || global_error == ERROR_ACCESS_DENIED);
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

static int run_as_child(const demo_config_t *config)
{
    if (config->name == NULL) {
        fprintf(stderr, "%s: --child: needs --name\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    }
    if (wcscmp(config->mode, CHILD_EXCHANGE) == 0 && config->reply != NULL) {
        return run_exchange_child(config);
    }
    if (wcscmp(config->mode, CHILD_ACCESS) == 0) {
        return run_access_child(config);
    }
    if (wcscmp(config->mode, CHILD_TORN) == 0) {
        return run_torn_child(config);
    }
    if (wcscmp(config->mode, CHILD_TOUCH_RESERVED) == 0) {
        return run_touch_reserved_child(config);
    }
    fprintf(stderr, "%s: --child: unknown mode\n", DEMO_NAME);
    return WM_EXIT_USAGE;
}

int wmain(int argc, wchar_t **argv)
{
    demo_config_t config;
    wm_options_t options;
    wm_lesson_t lesson;
    wm_system_t system;
    const wm_option_spec_t extra[] = {
        {L"--messages", WM_OPTION_UNSIGNED, &config.messages, "N",
         "step 1: messages each way (default 100, at most 100000)"},
        {L"--child", WM_OPTION_TEXT, &config.mode, "MODE",
         NULL /* internal: steps 1, 3, 4 and 5 run a copy of this program with it */},
        {L"--name", WM_OPTION_TEXT, &config.name, "NAME", NULL /* internal: with --child */},
        {L"--reply", WM_OPTION_TEXT, &config.reply, "NAME", NULL /* internal: with --child */},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    int handled = 0;

    memset(&config, 0, sizeof config);
    config.messages = MESSAGES_DEFAULT;
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.mode != NULL) {
        return run_as_child(&config);
    }
    if (config.messages == 0 || config.messages > MESSAGES_MAXIMUM) {
        fprintf(stderr, "%s: --messages: must be between 1 and %u\n", DEMO_NAME, MESSAGES_MAXIMUM);
        return WM_EXIT_USAGE;
    }
    (void)wm_system_query(&system);

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, 6, &options, NULL, NULL);
    show_exchange(&lesson, config.messages); /* steps 1 and 2 */
    show_access_control(&lesson);
    show_torn_message(&lesson);
    show_commit_on_demand(&lesson, &system);
    show_names(&lesson);
    return wm_lesson_end(&lesson);
}
