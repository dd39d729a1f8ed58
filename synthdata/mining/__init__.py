"""Real bug fixes mined from git histories (`python -m synthdata mine`).

history: git access and licenses; statements: the single-statement AST diff and fix kinds;
fixes: commit filters and fix records; clean: untouched functions at a later commit;
build: dedupe, splits by repository and the output files of synthdata/real.
"""
