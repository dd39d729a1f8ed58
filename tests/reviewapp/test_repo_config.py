"""`.squiggle.toml` and `.gitattributes` into the configuration a review applies."""

from __future__ import annotations

import pytest

from reviewapp.repo_config import RepoConfig, glob_match, load_config


def test_no_file_gives_the_defaults():
    config = load_config(None)
    assert config == RepoConfig()
    assert config.posts(0.01, "low") and config.ignored_reason("any/file.py") is None


def test_a_valid_file_sets_every_option():
    config = load_config('[review]\nignore = ["docs/**", "*.lock"]\nthreshold = 0.6\n'
                         'severities = ["high"]\ndrafts = true\n'
                         '[stages]\nimportance_lm = false\n')
    assert config.errors == []
    assert config.ignored_reason("docs/a/b.md") and config.ignored_reason("sub/poetry.lock")
    assert config.ignored_reason("src/docs.py") is None
    assert config.posts(0.7, "high") and not config.posts(0.5, "high")
    assert not config.posts(0.9, "medium")
    assert config.drafts and config.stages == {"bug_detection": True, "importance_lm": False}


@pytest.mark.parametrize("text, expected", [
    ("[review]\nthreshold = 'high'\n", "line 2: `review.threshold` = 'high' is invalid"),
    ("[review]\nseverities = ['urgent']\n", "line 2: `review.severities`"),
    ("[review]\n\nignores = []\n", "line 3: unknown key `review.ignores`"),
    ("[stage]\nimportance_lm = false\n", "line 1: unknown table or key `stage`"),
    ("[stages]\nimportance_lm = 'no'\n", "line 2: `stages.importance_lm` = 'no' is invalid"),
    ("[review\n", "is not valid TOML"),
])
def test_invalid_configuration_names_the_key_and_line_and_keeps_the_defaults(text, expected):
    config = load_config(text)
    assert len(config.errors) == 1 and expected in config.errors[0]
    assert config.threshold == 0.0 and config.stages["importance_lm"] is True


def test_gitattributes_marks_generated_and_vendored_paths():
    config = load_config(None, "# comment\napi/*.pb.go linguist-generated=true\n"
                               "third_party/ linguist-vendored\n*.md linguist-documentation\n"
                               "keep.py linguist-generated=false\n")
    assert "generated or vendored" in config.ignored_reason("api/x.pb.go")
    assert config.ignored_reason("third_party/lib/a.c")
    assert config.ignored_reason("README.md") is None
    assert config.ignored_reason("keep.py") is None


def test_globs_follow_git_rules():
    assert glob_match("*.lock", "a/b/c.lock") and glob_match("docs/**", "docs/x/y.md")
    assert not glob_match("docs/*", "docs/x/y.md") and glob_match("/build/*", "build/out")
    assert glob_match("**/gen/*.py", "gen/a.py") and not glob_match("a?c", "abbc")


def test_round_trip_through_json():
    config = load_config("[review]\nthreshold = 0.3\n[stages]\nbug_detection = false\n")
    assert RepoConfig.from_json(config.to_json()) == config
    assert RepoConfig.from_json({}) == RepoConfig()


def test_importance_overrides_are_validated_one_by_one_with_their_line():
    config = load_config("[importance]\nkey_share = 0.1\nuse_lm = 'yes'\ncolour = 3\n")
    assert config.importance == {"key_share": 0.1}
    assert config.importance_settings().key_share == 0.1
    assert config.importance_settings({"key_share": 0.5, "key_from": 0.7}).key_from == 0.7
    assert [e.split(":")[0] for e in config.errors] == [".squiggle.toml line 3",
                                                          ".squiggle.toml line 4"]
    assert "'use_lm' must be a bool" in config.errors[0]
    assert "unknown importance setting 'colour'" in config.errors[1]


def test_the_applied_configuration_describes_itself():
    assert RepoConfig().describe() == [] and RepoConfig().source == ""
    config = load_config('[review]\nignore = ["docs/**"]\nthreshold = 0.6\n'
                         '[stages]\nimportance_lm = false\n')
    assert config.source == ".squiggle.toml"
    assert config.describe() == ["ignore docs/**", "findings from probability 0.6",
                                 "stage importance_lm off"]
