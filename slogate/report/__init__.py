"""Run reports: `reports/<run-id>/` with report.json, report.html, junit.xml and summary.md.

model.py      RunReport and its parts (the schema of report.json)
store.py      run ids and folders, atomic writes, reading report.json back
writer.py     write_report / render_outputs
html.py       report.html (template in templates/, charts from charts.py + svg.py)
junit.py      junit.xml          summary.py   summary.md
compare.py    what got better or worse between two runs
journal.py    Chaos Toolkit journals in brief
environment.py versions, platform, cores
"""
