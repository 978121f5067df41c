/** Benchmarks. */
package org.qpert.bench;
