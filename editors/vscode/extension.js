// The resgraph extension: .rg files get the grammar and language configuration from package.json,
// and this file starts the language server, `resgraph lsp`, over stdin/stdout (docs/lsp.md).
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client = null;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("resgraph.server");
  // No `transport`: the client speaks over the process's stdin/stdout and adds no arguments.
  return { command: config.get("command", "resgraph"), args: config.get("args", ["lsp"]) };
}

async function start(context) {
  const options = serverOptions();
  client = new LanguageClient("resgraph", "resgraph", options, {
    documentSelector: [{ scheme: "file", language: "rg" }, { scheme: "untitled", language: "rg" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.rg") },
  });
  try {
    await client.start();
  } catch (err) {
    client = null;
    const action = await vscode.window.showErrorMessage(
      `resgraph: cannot start \`${options.command} ${options.args.join(" ")}\` (${err.message || err}). ` +
        "Install it with pip install 'resgraph[lsp]', or set resgraph.server.command to its path.",
      "Open settings");
    if (action) vscode.commands.executeCommand("workbench.action.openSettings", "resgraph.server");
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = null;
    await running.stop();
  }
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("resgraph.restartServer", async () => { await stop(); await start(context); }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("resgraph.server")) { await stop(); await start(context); }
    }),
    { dispose: stop });
  return start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
