/** The qpert command line. */
package org.qpert.cli;
