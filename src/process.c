/*
 * process.c - run a program as a child process and collect what it prints.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_process.h"

#include <string.h>
#include <wchar.h>

#include "wm_os.h"

/* Bytes read from the child's pipe at a time. */
#define WM_PIPE_CHUNK 4096

DWORD wm_process_self_path(wchar_t *path, DWORD capacity)
{
    DWORD length = 0;

    if (path == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    path[0] = L'\0';
    length = wm__os.GetModuleFileNameW(NULL, /* NULL: the .exe of this process */
                                       path, capacity);
    if (length == 0) {
        return GetLastError();
    }
    /* API oddity: a path that does not fit is cut, NUL-terminated, and the return value is
     * capacity; only the error code (ERROR_INSUFFICIENT_BUFFER) tells it apart. */
    if (length >= capacity) {
        path[0] = L'\0';
        return ERROR_INSUFFICIENT_BUFFER;
    }
    return ERROR_SUCCESS;
}

DWORD wm_process_sibling_path(const wchar_t *file_name, wchar_t *path, DWORD capacity)
{
    DWORD error = ERROR_SUCCESS;
    wchar_t *last_separator = NULL;
    size_t folder_length = 0;
    size_t name_length = 0;

    if (file_name == NULL || file_name[0] == L'\0' || path == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_process_self_path(path, capacity);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    last_separator = wcsrchr(path, L'\\');
    if (last_separator == NULL) {
        last_separator = wcsrchr(path, L'/');
    }
    folder_length = last_separator == NULL ? 0 : (size_t)(last_separator - path) + 1;
    name_length = wcslen(file_name);
    if (folder_length + name_length + 1 > capacity) {
        path[0] = L'\0';
        return ERROR_INSUFFICIENT_BUFFER;
    }
    memcpy(path + folder_length, file_name, (name_length + 1) * sizeof(wchar_t));
    return ERROR_SUCCESS;
}

/* Closes handle if it is open; a failure is recorded in *first_error unless an earlier
 * failure is already there. */
static void close_handle(HANDLE handle, DWORD *first_error)
{
    BOOL ok = FALSE;

    if (handle == NULL) {
        return;
    }
    ok = wm__os.CloseHandle(handle);
    if (!ok && *first_error == ERROR_SUCCESS) {
        *first_error = GetLastError();
    }
}

/* HeapFree for block if it is not NULL, recording a failure like close_handle. */
static void free_block(HANDLE heap, void *block, DWORD *first_error)
{
    BOOL ok = FALSE;

    if (block == NULL) {
        return;
    }
    ok = wm__os.HeapFree(heap, 0, block);
    if (!ok && *first_error == ERROR_SUCCESS) {
        *first_error = GetLastError();
    }
}

/* Builds "\"program\" arguments" into command_line, which CreateProcessW may modify. */
static DWORD build_command_line(const wchar_t *program, const wchar_t *arguments,
                                wchar_t *command_line, size_t capacity)
{
    size_t program_length = wcslen(program);
    size_t arguments_length = arguments == NULL ? 0 : wcslen(arguments);
    size_t needed = program_length + arguments_length + 4; /* 2 quotes, a space, the NUL */
    size_t at = 0;

    if (needed > capacity) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    command_line[at++] = L'"';
    memcpy(command_line + at, program, program_length * sizeof(wchar_t));
    at += program_length;
    command_line[at++] = L'"';
    if (arguments_length > 0) {
        command_line[at++] = L' ';
        memcpy(command_line + at, arguments, arguments_length * sizeof(wchar_t));
        at += arguments_length;
    }
    command_line[at] = L'\0';
    return ERROR_SUCCESS;
}

/* How often the output pump looks at the pipe and the child while both are quiet. */
#define WM_POLL_MS 10

/* Ends a child that ran past its limit, and waits (briefly) until it is gone. */
static DWORD end_child(HANDLE process)
{
    BOOL ok = FALSE;
    DWORD wait = 0;

    ok = wm__os.TerminateProcess(process, WAIT_TIMEOUT /* its exit code: why it ended */);
    if (!ok) {
        return GetLastError();
    }
    wait = wm__os.WaitForSingleObject(process, WM_POLL_MS * 100);
    if (wait == WAIT_FAILED) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/*
 * Passes the child's output on until the pipe ends or the child ends, whichever is first
 * (a grandchild may hold the pipe open after the child is gone). Never waits past
 * deadline (a GetTickCount64 value): then the child is ended and the answer is
 * ERROR_TIMEOUT. ReadFile on an anonymous pipe cannot time out, so the pump reads only
 * what PeekNamedPipe says is there.
 */
static DWORD pump_output(HANDLE pipe, HANDLE process, ULONGLONG deadline, wm_output_fn on_output,
                         void *context)
{
    char chunk[WM_PIPE_CHUNK];
    DWORD available = 0;
    DWORD got = 0;
    DWORD wait = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int child_ended = 0;

    for (;;) {
        ok = wm__os.PeekNamedPipe(pipe, NULL, 0, NULL, &available, NULL);
        if (!ok) {
            error = GetLastError();
            /* ERROR_BROKEN_PIPE is the normal end: every write end has been closed. */
            return error == ERROR_BROKEN_PIPE ? ERROR_SUCCESS : error;
        }
        if (available > 0) {
            ok = wm__os.ReadFile(pipe, chunk,
                                 available < sizeof chunk ? available : (DWORD)sizeof chunk, &got,
                                 NULL);
            if (!ok) {
                error = GetLastError();
                return error == ERROR_BROKEN_PIPE ? ERROR_SUCCESS : error;
            }
            on_output(context, chunk, got);
            continue;
        }
        if (child_ended) {
            return ERROR_SUCCESS; /* drained what the child wrote before it ended */
        }
        if (GetTickCount64() >= deadline) {
            error = end_child(process);
            return error == ERROR_SUCCESS ? ERROR_TIMEOUT : error;
        }
        wait = wm__os.WaitForSingleObject(process, WM_POLL_MS);
        if (wait == WAIT_FAILED) {
            return GetLastError();
        }
        child_ended = wait == WAIT_OBJECT_0; /* one more look at the pipe, then stop */
    }
}

DWORD wm_process_run(const wchar_t *program, const wchar_t *arguments, wm_output_fn on_output,
                     void *context, DWORD *exit_code)
{
    return wm_process_run_within(program, arguments, on_output, context, WM_CHILD_TIME_LIMIT_MS,
                                 exit_code);
}

DWORD wm_process_run_within(const wchar_t *program, const wchar_t *arguments,
                            wm_output_fn on_output, void *context, DWORD limit_ms, DWORD *exit_code)
{
    ULONGLONG deadline = GetTickCount64() + limit_ms;
    HANDLE heap = NULL;
    wchar_t *command_line = NULL;
    HANDLE read_end = NULL;
    HANDLE write_end = NULL;
    SECURITY_ATTRIBUTES inheritable;
    STARTUPINFOW startup;
    PROCESS_INFORMATION child;
    DWORD error = ERROR_SUCCESS;
    DWORD wait = 0;
    ULONGLONG now = 0;
    BOOL ok = FALSE;

    memset(&child, 0, sizeof child);
    if (program == NULL || program[0] == L'\0' || exit_code == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    heap = wm__os.GetProcessHeap();
    command_line = (wchar_t *)wm__os.HeapAlloc(heap, 0, WM_COMMAND_LINE_MAX * sizeof(wchar_t));
    if (command_line == NULL) {
        /* API oddity: HeapAlloc does not set the last error; its failure means no memory. */
        error = ERROR_NOT_ENOUGH_MEMORY;
        goto cleanup;
    }
    error = build_command_line(program, arguments, command_line, WM_COMMAND_LINE_MAX);
    if (error != ERROR_SUCCESS) {
        goto cleanup;
    }

    memset(&startup, 0, sizeof startup);
    startup.cb = sizeof startup;
    if (on_output != NULL) {
        memset(&inheritable, 0, sizeof inheritable);
        inheritable.nLength = sizeof inheritable;
        inheritable.bInheritHandle = TRUE; /* the child gets the write end as its stdout */
        ok = wm__os.CreatePipe(&read_end, &write_end, &inheritable, 0 /* default size */);
        if (!ok) {
            error = GetLastError();
            read_end = NULL;
            write_end = NULL;
            goto cleanup;
        }
        /* Our read end must not be inherited, or the pipe never reports the end. */
        ok = wm__os.SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
        if (!ok) {
            error = GetLastError();
            goto cleanup;
        }
        startup.dwFlags = STARTF_USESTDHANDLES; /* use the three handles below */
        startup.hStdOutput = write_end;
        /* API oddity: GetStdHandle returns NULL (no error) when a process has no such
         * handle, and INVALID_HANDLE_VALUE only when the call itself fails. */
        startup.hStdInput = wm__os.GetStdHandle(STD_INPUT_HANDLE);
        if (startup.hStdInput == INVALID_HANDLE_VALUE) {
            error = GetLastError();
            goto cleanup;
        }
        startup.hStdError = wm__os.GetStdHandle(STD_ERROR_HANDLE);
        if (startup.hStdError == INVALID_HANDLE_VALUE) {
            error = GetLastError();
            goto cleanup;
        }
    }

    /* A child that crashes must end, not wait for someone to close Windows Error
     * Reporting's dialog: the child inherits this error mode (SetErrorMode, Microsoft
     * Learn), so a crash ends it at once with its exception code. */
    (void)wm__os.SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    ok = wm__os.CreateProcessW(program, command_line, NULL,
                               NULL,       /* default security for the process and thread */
                               TRUE,       /* inherit handles: the pipe's write end */
                               0,          /* no creation flags: same console */
                               NULL, NULL, /* our environment and current folder */
                               &startup, &child);
    if (!ok) {
        error = GetLastError();
        memset(&child, 0, sizeof child);
        goto cleanup;
    }
    /* Close our copy of the write end now: the pipe ends when the child's copy closes. */
    if (write_end != NULL) {
        ok = wm__os.CloseHandle(write_end);
        write_end = NULL;
        if (!ok) {
            error = GetLastError();
            goto cleanup;
        }
        error = pump_output(read_end, child.hProcess, deadline, on_output, context);
        if (error != ERROR_SUCCESS) {
            goto cleanup;
        }
    }
    /* Every wait is bounded: a child that hangs is ended, and the caller hears why. */
    now = GetTickCount64();
    wait = wm__os.WaitForSingleObject(child.hProcess, now < deadline ? (DWORD)(deadline - now) : 0);
    if (wait == WAIT_FAILED) {
        error = GetLastError();
        goto cleanup;
    }
    if (wait == WAIT_TIMEOUT) {
        error = end_child(child.hProcess);
        if (error == ERROR_SUCCESS) {
            error = ERROR_TIMEOUT;
        }
        goto cleanup;
    }
    ok = wm__os.GetExitCodeProcess(child.hProcess, exit_code);
    if (!ok) {
        error = GetLastError();
        goto cleanup;
    }

cleanup:
    /* Release in reverse order; the first error is the one the caller sees. */
    close_handle(child.hThread, &error);
    close_handle(child.hProcess, &error);
    close_handle(write_end, &error);
    close_handle(read_end, &error);
    free_block(heap, command_line, &error);
    return error;
}

void wm_output_collect(void *context, const char *bytes, size_t length)
{
    wm_output_t *output = (wm_output_t *)context;
    size_t room = sizeof output->text - 1 - output->length;

    if (length > room) {
        length = room;
    }
    memcpy(output->text + output->length, bytes, length);
    output->length += length;
    output->text[output->length] = '\0';
}

DWORD wm_process_run_self(const wchar_t *arguments, wm_output_fn on_output, void *context,
                          DWORD *exit_code)
{
    wchar_t self[MAX_PATH];
    DWORD error = ERROR_SUCCESS;

    if (exit_code == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_process_self_path(self, MAX_PATH);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    return wm_process_run(self, arguments, on_output, context, exit_code);
}
