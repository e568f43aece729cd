package io.sluice.statemachine;

import static com.tngtech.archunit.lang.conditions.ArchConditions.accessTargetWhere;
import static com.tngtech.archunit.lang.conditions.ArchConditions.callMethod;
import static com.tngtech.archunit.lang.conditions.ArchConditions.dependOnClassesThat;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import io.sluice.statemachine.command.WriteStamper;
import io.sluice.statemachine.engine.BsonOrder;
import io.sluice.statemachine.engine.FieldPath;
import io.sluice.statemachine.engine.KeyRanges;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bson.BsonObjectId;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Apply must be a pure function of (store, entry): the engine, command and storage packages may not read
 * clocks, draw random numbers or make ids. Only the leader-side {@link WriteStamper} handles ids, and
 * only those its supplier gives it.
 */
class DeterminismArchitectureTest {
  private static final String[] APPLY_PACKAGES = {
      "io.sluice.statemachine.engine..", "io.sluice.statemachine.command..", "io.sluice.statemachine.storage.."};

  private static JavaClasses production;

  @BeforeAll
  static void importClasses() {
    production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.sluice.statemachine");
  }

  private static DescribedPredicate<JavaAccess<?>> targetIs(Class<?> owner, String name, String description) {
    return DescribedPredicate.describe(description, access ->
        access.getTargetOwner().isAssignableTo(owner) && (name == null || access.getName().equals(name)));
  }

  private static DescribedPredicate<JavaAccess<?>> javaTimeNow() {
    return DescribedPredicate.describe("java.time.*.now()", access ->
        access.getTargetOwner().getPackageName().equals("java.time") && access.getName().equals("now"));
  }

  /** Every forbidden source of non-determinism, by name. */
  static Map<String, ArchCondition<JavaClass>> forbidden() {
    Map<String, ArchCondition<JavaClass>> m = new LinkedHashMap<>();
    m.put("System.currentTimeMillis", callMethod(System.class, "currentTimeMillis"));
    m.put("System.nanoTime", callMethod(System.class, "nanoTime"));
    m.put("Instant.now", callMethod(Instant.class, "now"));
    m.put("any java.time now()", accessTargetWhere(javaTimeNow()));
    m.put("java.time.Clock", dependOnClassesThat(JavaClass.Predicates.assignableTo(Clock.class)));
    m.put("UUID.randomUUID", callMethod(UUID.class, "randomUUID"));
    m.put("java.util.Random", dependOnClassesThat(JavaClass.Predicates.assignableTo(Random.class)));
    m.put("ThreadLocalRandom", dependOnClassesThat(JavaClass.Predicates.assignableTo(ThreadLocalRandom.class)));
    m.put("SplittableRandom", dependOnClassesThat(JavaClass.Predicates.assignableTo(SplittableRandom.class)));
    m.put("Math.random", callMethod(Math.class, "random"));
    m.put("ObjectId constructors (calls and ObjectId::new)", accessTargetWhere(targetIs(ObjectId.class, "<init>", "new ObjectId(..)")));
    m.put("ObjectId.get()", accessTargetWhere(targetIs(ObjectId.class, "get", "ObjectId.get()")));
    m.put("new BsonObjectId() (makes a fresh id)", noArgConstructorOf(BsonObjectId.class));
    return m;
  }

  private static ArchCondition<JavaClass> noArgConstructorOf(Class<?> owner) {
    return accessTargetWhere(DescribedPredicate.describe("new " + owner.getSimpleName() + "()", access ->
        access.getTargetOwner().isEquivalentTo(owner) && access.getName().equals("<init>")
            && access.getTarget() instanceof AccessTarget.CodeUnitAccessTarget target && target.getRawParameterTypes().isEmpty()));
  }

  static Stream<String> forbiddenNames() {
    return forbidden().keySet().stream();
  }

  private static ArchRule noneIn(String[] packages, String name) {
    return noClasses().that().resideInAnyPackage(packages).should(forbidden().get(name))
        .because("apply must give the same result on every replica");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forbiddenNames")
  void applyPackagesDoNotUse(String name) {
    noneIn(APPLY_PACKAGES, name).check(production);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forbiddenNames")
  void ruleCatchesAViolation(String name) {
    JavaClasses fixture = new ClassFileImporter().importClasses(NonDeterministicFixture.class);
    assertThatThrownBy(() -> noneIn(new String[] {"io.sluice.statemachine"}, name).check(fixture))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void rulesSeeTheProductionClasses() {
    assertThat(production.contain("io.sluice.statemachine.engine.Filter")).isTrue();
    assertThat(production.contain("io.sluice.statemachine.command.WriteExecutor")).isTrue();
    assertThat(production.contain("io.sluice.statemachine.command.WriteStamper")).isTrue();
    assertThat(production.contain("io.sluice.statemachine.storage.MapDbDocumentStore")).isTrue();
    assertThat(production.contain(NonDeterministicFixture.class)).isFalse();
  }

  @Test
  void objectIdRuleCatchesTheStateMachinesConstructorReference() {
    // SluiceStateMachine (outside the apply packages) hands ObjectId::new to WriteStamper: the rule must see it.
    assertThatThrownBy(() -> noneIn(new String[] {"io.sluice.statemachine"}, "ObjectId constructors (calls and ObjectId::new)")
        .check(production)).isInstanceOf(AssertionError.class).hasMessageContaining("SluiceStateMachine");
  }

  @Test
  void writeStamperConstructsNoObjectIdAndTakesASupplier() throws Exception {
    JavaClasses stamper = production.that(JavaClass.Predicates.equivalentTo(WriteStamper.class));
    assertThat(stamper).hasSize(1);
    noClasses().should(forbidden().get("ObjectId constructors (calls and ObjectId::new)"))
        .andShould(forbidden().get("ObjectId.get()"))
        .andShould(forbidden().get("new BsonObjectId() (makes a fresh id)"))
        .check(stamper);
    assertThat(WriteStamper.class.getConstructor(Supplier.class)).isNotNull();
  }

  @Test
  void applyPackagesDoNotDependOnRatis() {
    noClasses().that().resideInAnyPackage(APPLY_PACKAGES).should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
        .check(production);
  }

  @Test
  void ratisRuleCatchesTheStateMachine() {
    assertThatThrownBy(() -> noClasses().that().resideInAPackage("io.sluice.statemachine")
        .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..").check(production))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void engineDoesNotDependOnStorageOrCommand() {
    noClasses().that().resideInAPackage("io.sluice.statemachine.engine..")
        .should().dependOnClassesThat().resideInAnyPackage("io.sluice.statemachine.storage..", "io.sluice.statemachine.command..")
        .check(production);
  }

  /**
   * Storage knows nothing of commands; of the engine it uses only the rules that index keys must
   * share with queries (MongoDB's path rules and comparison order) and the key ranges a filter asks for.
   */
  @Test
  void storageDependsOnlyOnTheEnginesPathAndOrderRules() {
    noClasses().that().resideInAPackage("io.sluice.statemachine.storage..")
        .should().dependOnClassesThat(JavaClass.Predicates.resideInAnyPackage("io.sluice.statemachine.engine..", "io.sluice.statemachine.command..")
            .and(DescribedPredicate.not(JavaClass.Predicates.belongToAnyOf(FieldPath.class, FieldPath.LeafArrays.class, BsonOrder.class, KeyRanges.Range.class))))
        .check(production);
  }

  /** Uses every forbidden API once; imported on its own, never with the production classes. */
  @SuppressWarnings("unused")
  static final class NonDeterministicFixture {
    Object everything() {
      return new Object[] {System.currentTimeMillis(), System.nanoTime(), Instant.now(), Clock.systemUTC(),
          java.time.LocalDate.now(), UUID.randomUUID(), new Random(), ThreadLocalRandom.current(), new SplittableRandom(),
          Math.random(), new ObjectId(), ObjectId.get(), new BsonObjectId()};
    }
  }
}
