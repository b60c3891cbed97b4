"""`resgraph lsp`: a language server for .rg files, so that an editor shows every shape as you type.

Built on pygls (the `lsp` extra). Its parts, each read by the next:

files.py       reading specs: the editor's unsaved text before the disk, each text parsed once
analysis.py    a document analysed: parsed, imports loaded, each model elaborated (results kept
               while their definitions are unchanged)
ast_index.py   the syntax at a place: the innermost node, the definition, the names and their places
graph_index.py what a place made in a graph: layers and block instances, their shapes and costs
targets.py     what the cursor is on (a layer, block, model, value, variable, import, keyword)
positions.py   spans ⇄ LSP positions (UTF-16 columns unless the client offers another encoding)
diagnostics.py hover.py hints.py navigate.py complete.py outline.py   one feature each
server.py      the pygls server that answers each LSP request with them
"""
