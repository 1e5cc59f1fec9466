/* The C engine of the tracer: a profile function that filters events in C.
 *
 * Every call and return of the whole process reaches a profile hook; almost all of them belong
 * to code we do not record (the standard library, the tests, other packages). Here those cost a
 * dict lookup keyed by the file name (whose hash a str caches; a code object's hash is recomputed
 * over its constants on every call), with no Python frame. Decisions and snapshots stay in
 * Python (collector.decide, CallTracker.enter/leave/resolve), called only for recorded
 * functions, so both engines record exactly the same things.
 *
 * Errors never propagate into the traced program: every failure is cleared and counted.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>

typedef struct {
    PyObject_HEAD
    PyObject *wants_file;  /* wants_file(filename) -> bool */
    PyObject *files;       /* dict: filename -> True/False; str hashes are cached, code hashes are not */
    PyObject *codes;       /* dict: code address -> (code, Function or None); the code is kept alive */
    PyObject *decide;      /* decide(code) -> Function or None */
    PyObject *enter;       /* enter(function, frame) -> call or None */
    PyObject *leave;       /* leave(function, call, frame, value) */
    PyObject *resolve;     /* resolve(frame, event) */
    PyObject *unwound;     /* dict, non-empty while an unwind waits to be resolved */
    PyObject *pending;     /* dict: frame address -> (function, call) */
    PyObject *done_name;   /* interned "done" */
    long errors;
    int stopped;
} Tracer;

static const char *EVENT_NAMES[] = {"call", "exception", "line", "return", "c_call", "c_exception", "c_return", "opcode"};

static void
count_error(Tracer *self)
{
    PyErr_Clear();
    self->errors++;
}

static int
file_wanted(Tracer *self, PyCodeObject *code)
{
    /* 1 if the code's file is the project's, 0 if not, decided once per file name. */
    PyObject *filename = code->co_filename;
    PyObject *wanted = PyDict_GetItemWithError(self->files, filename);
    if (wanted == NULL) {
        if (PyErr_Occurred()) {
            count_error(self);
            return 0;
        }
        PyObject *answer = PyObject_CallOneArg(self->wants_file, filename);
        int yes = answer == NULL ? -1 : PyObject_IsTrue(answer);
        Py_XDECREF(answer);
        if (yes < 0) {
            count_error(self);
            yes = 0;
        }
        if (PyDict_SetItem(self->files, filename, yes ? Py_True : Py_False) < 0) {
            count_error(self);
        }
        return yes;
    }
    return wanted == Py_True;
}

static PyObject *
function_for(Tracer *self, PyFrameObject *frame)
{
    /* New reference to the Function of this frame's code, or NULL when it is not recorded. */
    PyCodeObject *code = PyFrame_GetCode(frame);
    PyObject *function = NULL;
    if (!file_wanted(self, code)) {
        Py_DECREF(code);
        return NULL;
    }
    PyObject *key = PyLong_FromVoidPtr(code);
    PyObject *entry = key == NULL ? NULL : PyDict_GetItemWithError(self->codes, key);
    if (entry != NULL) {
        function = PyTuple_GET_ITEM(entry, 1);
        Py_INCREF(function);
    } else if (key == NULL || PyErr_Occurred()) {
        count_error(self);
    } else {
        function = PyObject_CallOneArg(self->decide, (PyObject *)code);
        if (function == NULL) {
            count_error(self);
        } else {
            PyObject *pair = PyTuple_Pack(2, (PyObject *)code, function);
            if (pair == NULL || PyDict_SetItem(self->codes, key, pair) < 0) {
                count_error(self);
            }
            Py_XDECREF(pair);
        }
    }
    Py_XDECREF(key);
    Py_DECREF(code);
    if (function == Py_None) {
        Py_DECREF(function);
        return NULL;
    }
    if (function != NULL) {
        PyObject *done = PyObject_GetAttr(function, self->done_name);
        int is_done = done == NULL ? -1 : PyObject_IsTrue(done);
        Py_XDECREF(done);
        if (is_done != 0) {
            if (is_done < 0) {
                count_error(self);
            }
            Py_DECREF(function);
            return NULL;
        }
    }
    return function;
}

static void
on_call(Tracer *self, PyFrameObject *frame)
{
    PyObject *function = function_for(self, frame);
    if (function == NULL) {
        return;
    }
    PyObject *call = PyObject_CallFunctionObjArgs(self->enter, function, (PyObject *)frame, NULL);
    if (call == NULL) {
        count_error(self);
    } else if (call != Py_None) {
        PyObject *key = PyLong_FromVoidPtr(frame);
        PyObject *entry = PyTuple_Pack(2, function, call);
        if (key == NULL || entry == NULL || PyDict_SetItem(self->pending, key, entry) < 0) {
            count_error(self);
        }
        Py_XDECREF(key);
        Py_XDECREF(entry);
    }
    Py_XDECREF(call);
    Py_DECREF(function);
}

static void
on_return(Tracer *self, PyFrameObject *frame, PyObject *value)
{
    PyObject *key = PyLong_FromVoidPtr(frame);
    if (key == NULL) {
        count_error(self);
        return;
    }
    PyObject *entry = PyDict_GetItemWithError(self->pending, key);
    if (entry == NULL) {
        if (PyErr_Occurred()) {
            count_error(self);
        }
        Py_DECREF(key);
        return;
    }
    Py_INCREF(entry);
    if (PyDict_DelItem(self->pending, key) < 0) {
        count_error(self);
    }
    Py_DECREF(key);
    PyObject *result = PyObject_CallFunctionObjArgs(
        self->leave, PyTuple_GET_ITEM(entry, 0), PyTuple_GET_ITEM(entry, 1), (PyObject *)frame,
        value == NULL ? Py_None : value, NULL);
    if (result == NULL) {
        count_error(self);
    }
    Py_XDECREF(result);
    Py_DECREF(entry);
}

static int
profile(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Tracer *self = (Tracer *)obj;
    if (self->stopped) {
        PyEval_SetProfile(NULL, NULL);
        return 0;
    }
    if (PyDict_GET_SIZE(self->unwound) > 0 && what >= 0 && what <= PyTrace_OPCODE) {
        PyObject *event = PyUnicode_InternFromString(EVENT_NAMES[what]);
        PyObject *result = event == NULL ? NULL
            : PyObject_CallFunctionObjArgs(self->resolve, (PyObject *)frame, event, NULL);
        if (result == NULL) {
            count_error(self);
        }
        Py_XDECREF(result);
        Py_XDECREF(event);
    }
    if (what == PyTrace_CALL) {
        on_call(self, frame);
    } else if (what == PyTrace_RETURN && PyDict_GET_SIZE(self->pending) > 0) {
        on_return(self, frame, arg);
    }
    return 0;
}

static int
Tracer_init(Tracer *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"wants_file", "decide", "enter", "leave", "resolve", "unwound", NULL};
    PyObject *wants_file, *decide, *enter, *leave, *resolve, *unwound;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOO!", kwlist, &wants_file, &decide,
                                     &enter, &leave, &resolve, &PyDict_Type, &unwound)) {
        return -1;
    }
    Py_INCREF(wants_file); Py_XSETREF(self->wants_file, wants_file);
    Py_XSETREF(self->files, PyDict_New());
    Py_XSETREF(self->codes, PyDict_New());
    Py_INCREF(decide); Py_XSETREF(self->decide, decide);
    Py_INCREF(enter); Py_XSETREF(self->enter, enter);
    Py_INCREF(leave); Py_XSETREF(self->leave, leave);
    Py_INCREF(resolve); Py_XSETREF(self->resolve, resolve);
    Py_INCREF(unwound); Py_XSETREF(self->unwound, unwound);
    Py_XSETREF(self->pending, PyDict_New());
    Py_XSETREF(self->done_name, PyUnicode_InternFromString("done"));
    if (self->pending == NULL || self->done_name == NULL || self->files == NULL || self->codes == NULL) {
        return -1;
    }
    self->errors = 0;
    self->stopped = 0;
    return 0;
}

static int
Tracer_traverse(Tracer *self, visitproc visit, void *arg)
{
    Py_VISIT(self->wants_file);
    Py_VISIT(self->files);
    Py_VISIT(self->codes);
    Py_VISIT(self->decide);
    Py_VISIT(self->enter);
    Py_VISIT(self->leave);
    Py_VISIT(self->resolve);
    Py_VISIT(self->unwound);
    Py_VISIT(self->pending);
    return 0;
}

static int
Tracer_clear(Tracer *self)
{
    Py_CLEAR(self->wants_file);
    Py_CLEAR(self->files);
    Py_CLEAR(self->codes);
    Py_CLEAR(self->decide);
    Py_CLEAR(self->enter);
    Py_CLEAR(self->leave);
    Py_CLEAR(self->resolve);
    Py_CLEAR(self->unwound);
    Py_CLEAR(self->pending);
    Py_CLEAR(self->done_name);
    return 0;
}

static void
Tracer_dealloc(Tracer *self)
{
    PyObject_GC_UnTrack(self);
    Tracer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Tracer_start(Tracer *self, PyObject *Py_UNUSED(ignored))
{
    /* Hook the calling thread. */
    self->stopped = 0;
    PyEval_SetProfile(profile, (PyObject *)self);
    Py_RETURN_NONE;
}

static PyObject *
Tracer_stop(Tracer *self, PyObject *Py_UNUSED(ignored))
{
    /* Unhook the calling thread; others unhook themselves at their next event. */
    self->stopped = 1;
    PyEval_SetProfile(NULL, NULL);
    Py_RETURN_NONE;
}

static PyObject *
Tracer_get_errors(Tracer *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(self->errors);
}

static PyMethodDef Tracer_methods[] = {
    {"start", (PyCFunction)Tracer_start, METH_NOARGS, "Hook the calling thread."},
    {"stop", (PyCFunction)Tracer_stop, METH_NOARGS, "Unhook the calling thread and stop the others."},
    {NULL}
};

static PyGetSetDef Tracer_getset[] = {
    {"errors", (getter)Tracer_get_errors, NULL, "Failures counted inside the hook.", NULL},
    {NULL}
};

static PyTypeObject TracerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_ctracer.Tracer",
    .tp_doc = "Profile hook that filters events in C and calls Python only for recorded functions.",
    .tp_basicsize = sizeof(Tracer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Tracer_init,
    .tp_dealloc = (destructor)Tracer_dealloc,
    .tp_traverse = (traverseproc)Tracer_traverse,
    .tp_clear = (inquiry)Tracer_clear,
    .tp_methods = Tracer_methods,
    .tp_getset = Tracer_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ctracer", "C profile hook for the sftmine tracer.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__ctracer(void)
{
    if (PyType_Ready(&TracerType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&TracerType);
    if (PyModule_AddObject(m, "Tracer", (PyObject *)&TracerType) < 0) {
        Py_DECREF(&TracerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
