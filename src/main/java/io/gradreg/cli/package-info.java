/**
 * The {@code gradreg} command: picocli commands that parse the command line and call the packages
 * below; errors end in one line and an exit code.
 */
package io.gradreg.cli;
