"""Names a harness writes into the namespace of the code it runs (`exec`, `execfile`,
`exec_module`, `runpy`): gunicorn's request data files read `uri`, which its harness binds."""

from bugmodel.harness_names import injected_names


def test_keys_written_into_a_namespace_given_to_execfile_are_injected():
    harness = ("def load(fname):\n    config = globals().copy()\n"
               "    config['uri'] = treq.uri\n    execfile(fname, config)\n")
    assert injected_names(harness) == {"uri"}


def test_attributes_set_on_a_module_before_exec_module_are_injected():
    harness = ("def load_py(fname):\n    mod = types.ModuleType('__config__')\n"
               "    setattr(mod, 'uri', uri)\n    mod.cfg = Config()\n"
               "    loader.exec_module(mod)\n")
    assert injected_names(harness) == {"uri", "cfg"}


def test_literal_updated_and_keyword_namespaces_are_read():
    harness = ("exec(code, {'app': app}, dict(request=1))\n"
               "ns = {'settings': 1}\nns.update(db=2)\nns.setdefault('log', 3)\n"
               "runpy.run_path(path, init_globals=ns)\n")
    assert injected_names(harness) == {"app", "request", "settings", "db", "log"}


def test_a_dict_that_no_runner_receives_injects_nothing():
    code = ("def build():\n    headers = {}\n    headers['uri'] = '/'\n    return headers\n\n"
            "def run(code):\n    exec(code, {})\n")
    assert injected_names(code) == set()


def test_a_method_named_exec_and_an_unparsable_file_inject_nothing():
    assert injected_names("ns = {}\nns['x'] = 1\nclient.exec('ls', ns)\n") == set()
    assert injected_names("def exec(self, cmd):\n    return cmd\n") == set()
    assert injected_names("def broken(:\n") == set()
