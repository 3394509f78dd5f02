// The tool version shown in reports, SARIF and --version. Kept in sync with package.json by a unit test.
export const TOOL_VERSION = '0.1.0';
